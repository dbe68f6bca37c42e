"""Tests of the XSOAR bridge (O365AuditLog.py) against a fake demisto and a fake plugin.

Run: python3 -m unittest discover -s bridge -p 'test_*.py'   (also run by `go test ./bridge`)
"""
import importlib
import os
import json
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.join(HERE, 'testdata')
REPO = os.path.dirname(HERE)
for path in (TESTDATA, HERE):
    if path not in sys.path:
        sys.path.insert(0, path)

import demistomock  # noqa: E402  the fake in testdata/
bridge = importlib.import_module('O365AuditLog')
assert bridge.demisto is demistomock, 'the bridge must use the fake demistomock'

MARKER = '[ERROR-fd5a7750-7182-4b38-90ba-091824478903]'


def write_exe(directory, name, body):
    path = os.path.join(directory, name)
    with open(path, 'w') as f:
        f.write(body)
    os.chmod(path, 0o755)
    return path


class BridgeTestCase(unittest.TestCase):
    def setUp(self):
        demistomock.reset()
        self.tmp = tempfile.mkdtemp(prefix='o365bridge-')
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.fake = write_exe(self.tmp, 'fake-o365auditlog', '#!/bin/sh\nexec "%s" "%s" "$@"\n'
                              % (sys.executable, os.path.join(TESTDATA, 'fake_plugin.py')))
        self.env = {k: os.environ.get(k) for k in (bridge.BIN_ENV, bridge.TIMEOUT_ENV, 'PATH')}
        self.addCleanup(self.restore_env)
        os.environ[bridge.BIN_ENV] = self.fake
        os.environ[bridge.TIMEOUT_ENV] = '30'

    def restore_env(self):
        for k, v in self.env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    def run_bridge(self, command, **kw):
        demistomock.COMMAND = command
        for k, v in kw.items():
            setattr(demistomock, k, v)
        bridge.main()
        return demistomock.RESULTS

    def assertOneError(self, *fragments):
        entries = []  # demisto.results takes one entry or a list of them
        for value in demistomock.RESULTS:
            entries.extend(value if isinstance(value, list) else [value])
        self.assertEqual(len(entries), 1, demistomock.RESULTS)
        entry = entries[0]
        self.assertEqual(entry['Type'], 4)
        self.assertEqual(entry['ContentsFormat'], 'text')
        for fragment in fragments:
            self.assertIn(fragment, entry['Contents'])
        return entry['Contents']


class TestRelay(BridgeTestCase):
    def test_every_message_kind(self):
        params = {'app_id': 'app', 'certificate': {'identifier': 'UEZY', 'password': 's3cret'}}
        results = self.run_bridge(
            'all-kinds', PARAMS=params, ARGS={'result_size': '5', 'as_file': True},
            callingContext={'context': {'IntegrationBrand': 'O365 Audit Log', 'Inv': {'x': 1}}},
            LAST_RUN={'ids': ['old']}, INTEGRATION_CONTEXT={})
        self.assertEqual(len(results), 3, results)
        request = results[0][0]['Contents']['request']
        self.assertEqual(request, {
            'command': 'all-kinds', 'args': {'result_size': '5', 'as_file': True},
            'context': {'IntegrationBrand': 'O365 Audit Log', 'Inv': {'x': 1, 'id': '42'}},
            'integration': True, 'native': True})
        # Entries are relayed as the plugin wrote them: big integers stay exact.
        self.assertEqual(results[1], [
            {'Type': 1, 'ContentsFormat': 'json', 'HumanReadable': '### t',
             'Contents': [{'Id': 'a', 'N': 12345678901234567890, 'F': 0.1}],
             'EntryContext': {'O365AuditLog(val.Id && val.Id == obj.Id)': [{'Id': 'a'}]}},
            {'Type': 11, 'ContentsFormat': 'text', 'Contents': 'warn'}])
        replies = results[2][0]['Contents']
        self.assertEqual(replies['getLastRun'], '{"ids": ["old"]}')
        self.assertEqual(replies['setLastRun'], '{}')
        self.assertEqual(replies['getIntegrationContext'], '{}')
        self.assertEqual(replies['setIntegrationContext'], '{}')
        self.assertEqual(replies['getLastRun2'], '{"ids": ["a"], "time": "t1"}')
        self.assertTrue(replies['bogus'].startswith(MARKER), replies['bogus'])
        self.assertEqual(demistomock.LAST_RUN, {'ids': ['a'], 'time': 't1'})
        self.assertEqual(demistomock.INTEGRATION_CONTEXT, {'token': 'x'})
        self.assertIn('fake: starting all-kinds', demistomock.DEBUG)
        self.assertEqual(demistomock.ERRORS, [])
        everything = repr((demistomock.DEBUG, demistomock.ERRORS, results))
        self.assertNotIn('s3cret', everything, 'params must never be logged or echoed')

    def test_no_investigation(self):
        results = self.run_bridge('all-kinds', INVESTIGATION={}, callingContext=None)
        self.assertEqual(results[0][0]['Contents']['request']['context'], {})

    def test_get_none_answers_empty_object(self):
        results = self.run_bridge('rr-error', LAST_RUN=None)
        self.assertEqual(results[0][0]['Contents']['reply'], '{}')

    def test_request_errors_become_marker_lines(self):
        demistomock.FAIL['getLastRun'] = RuntimeError('engine\nunavailable')
        demistomock.FAIL['setIntegrationContext'] = ValueError('too big')
        replies = self.run_bridge('rr-error')[0][0]['Contents']
        self.assertEqual(replies['reply'], MARKER + ' engine unavailable')
        self.assertEqual(replies['set'], MARKER + ' too big')

    def test_large_output_relayed_intact(self):
        start = time.monotonic()
        results = self.run_bridge('large')
        elapsed = time.monotonic() - start
        contents = results[0][0]['Contents']
        self.assertEqual(len(contents['blob']), 20 * 1024 * 1024 // 26 * 26)
        self.assertEqual(contents['blob'][:30], 'abcdefghijklmnopqrstuvwxyzabcd')
        self.assertEqual(contents['u'], '\u00e9\u2603')
        self.assertLess(elapsed, 20, 'relaying 20 MB took too long')

    def test_stderr_forwarded_line_by_line(self):
        results = self.run_bridge('stderr-noise')
        self.assertEqual(results, [[{'Type': 1, 'ContentsFormat': 'json', 'Contents': 'ok'}]])
        noise = [d for d in demistomock.DEBUG if d.startswith('fake: noise')]
        self.assertEqual(noise, ['fake: noise %d' % i for i in range(5000)])


class TestFailures(BridgeTestCase):
    def test_exception_in_fetch_raises(self):
        with self.assertRaises(Exception) as caught:
            self.run_bridge('fetch-incidents')
        self.assertIn('search failed: throttled', str(caught.exception))
        self.assertEqual(demistomock.RESULTS, [])
        self.assertEqual(demistomock.ERRORS, ['search failed: throttled'])

    def test_exception_in_other_command_is_error_entry(self):
        self.run_bridge('exception')
        self.assertOneError('search failed: throttled')

    def test_fetch_success_relays_incidents(self):
        self.assertEqual(self.run_bridge('fetch-ok'),
                         [[{'Type': 1, 'ContentsFormat': 'json', 'Contents': '[]'}]])

    def test_crashed_binary(self):
        self.run_bridge('crash')
        text = self.assertOneError('exited with code 3', 'before completing crash', 'panic: boom')
        self.assertNotIn('log line 0\n', text, 'only the tail of stderr')
        self.assertIn('panic: boom', demistomock.DEBUG)

    def test_crashed_binary_in_fetch_raises(self):
        os.environ[bridge.BIN_ENV] = write_exe(self.tmp, 'die', '#!/bin/sh\necho oops >&2\nexit 3\n')
        with self.assertRaises(Exception) as caught:
            self.run_bridge('fetch-incidents')
        self.assertIn('exited with code 3', str(caught.exception))
        self.assertIn('oops', str(caught.exception))

    def test_hung_binary_times_out(self):
        os.environ[bridge.TIMEOUT_ENV] = '1'
        start = time.monotonic()
        self.run_bridge('hang')
        self.assertLess(time.monotonic() - start, 10)
        self.assertOneError('within 1 seconds', bridge.TIMEOUT_ENV)

    def test_lingering_binary_is_stopped_after_completed(self):
        # The command timeout leaves room for a loaded machine to start the fake (make
        # test runs packages in parallel); the binary lingers for an hour, so finishing
        # well before that proves it was stopped after completed.
        os.environ[bridge.TIMEOUT_ENV] = '20'
        start = time.monotonic()
        results = self.run_bridge('linger')
        self.assertLess(time.monotonic() - start, 30)
        self.assertEqual(results, [[{'Type': 1, 'ContentsFormat': 'json', 'Contents': 'done'}]])

    def test_not_protocol_output(self):
        self.run_bridge('garbage')
        self.assertOneError('not a protocol message')

    def test_binary_missing_from_env(self):
        os.environ[bridge.BIN_ENV] = os.path.join(self.tmp, 'nope')
        self.run_bridge('test-module')
        self.assertOneError(bridge.BIN_ENV, 'missing or not executable')

    def test_binary_missing_from_path(self):
        del os.environ[bridge.BIN_ENV]
        os.environ['PATH'] = self.tmp
        self.run_bridge('test-module')
        self.assertOneError('was not found', bridge.BIN_ENV, 'PATH')

    def test_binary_found_on_path(self):
        del os.environ[bridge.BIN_ENV]
        shutil.copy(self.fake, os.path.join(self.tmp, 'o365auditlog'))
        os.environ['PATH'] = self.tmp + os.pathsep + os.environ.get('PATH', '')
        self.assertEqual(len(self.run_bridge('all-kinds')), 3)


# go test ./bridge builds both binaries into a temporary directory and names it here; run by
# hand, the tests use `make build`'s bin/.
BIN_DIR = os.environ.get('O365AUDITLOG_TEST_BIN_DIR') or os.path.join(REPO, 'bin')
REAL_BIN = os.path.join(BIN_DIR, 'o365auditlog')
EMULATOR = os.path.join(BIN_DIR, 'exo-emulator')


def require_exe(test, path):
    """Fails, never skips, the test when a binary it drives is not built."""
    if not os.access(path, os.X_OK):
        test.fail('%s is not built: `go test ./bridge` builds it; by hand, run `make build` '
                  'or set O365AUDITLOG_TEST_BIN_DIR' % path)


class TestRealBinary(BridgeTestCase):
    def setUp(self):
        super().setUp()
        require_exe(self, REAL_BIN)
        os.environ[bridge.BIN_ENV] = REAL_BIN

    def test_unknown_command_is_error_entry(self):
        self.run_bridge('no-such-command')
        self.assertOneError('no-such-command')

    def start_emulator(self, *flags):
        """Starts bin/exo-emulator and returns its params.json; the binary trusts its CA."""
        require_exe(self, EMULATOR)
        state = os.path.join(self.tmp, 'emulator')
        emu = subprocess.Popen([EMULATOR, '-state-dir', state] + list(flags),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(emu.wait)
        self.addCleanup(emu.terminate)
        self.assertTrue(emu.stdout.readline().startswith('ready '))
        emu.stdout.close()
        with open(os.path.join(state, 'params.json')) as f:
            params = json.load(f)
        self.env.setdefault('SSL_CERT_FILE', os.environ.get('SSL_CERT_FILE'))
        os.environ['SSL_CERT_FILE'] = os.path.join(state, 'ca.pem')
        return params

    def test_polling_through_emulator(self):
        """backend=graph polling=true through the real binary, re-run as XSOAR does."""
        params = self.start_emulator('-records', '150', '-days', '1', '-graph-delay', '3s')
        args = {'start_date': '2 days', 'result_size': '150', 'backend': 'graph', 'polling': 'true'}
        run_args, final, rounds = args, None, 0
        while final is None:
            rounds += 1
            self.assertLess(rounds, 30, 'the Graph query never finished')
            demistomock.reset()
            results = self.run_bridge('o365-auditlog-search', PARAMS=params, ARGS=run_args)
            self.assertEqual(len(results), 1, results)
            entry = results[0][0]
            if 'PollingCommand' not in entry:
                final = entry
                break
            self.assertEqual(entry['PollingCommand'], 'o365-auditlog-search')
            self.assertGreaterEqual(int(entry['NextRun']), 10)
            self.assertEqual(entry['Timeout'], '3600')
            self.assertEqual(entry['PollingItemsRemaining'], 0)
            self.assertEqual(set(entry['PollingArgs']), set(args) | {'query_id', 'hide_polling_output'})
            self.assertIs(entry['PollingArgs']['hide_polling_output'], True)
            for k, v in args.items():
                self.assertEqual(entry['PollingArgs'][k], v)
            run_args = entry['PollingArgs']
            time.sleep(1)  # XSOAR waits NextRun seconds
        self.assertGreater(rounds, 1, 'the first run answered a scheduled entry')
        self.assertEqual((final['Type'], final['ContentsFormat']), (1, 'json'))
        self.assertEqual(len(final['Contents']), 150)
        summary = final['EntryContext']['O365AuditLogSearch']
        self.assertEqual((summary['Backend'], summary['Complete'], summary['QueryID']),
                         ('graph', True, run_args['query_id']))

    def test_through_emulator(self):
        params = self.start_emulator('-records', '200', '-days', '2')

        self.assertEqual(self.run_bridge('test-module', PARAMS=params),
                         [[{'Type': 1, 'ContentsFormat': 'text', 'Contents': 'ok'}]])
        demistomock.reset()
        results = self.run_bridge('o365-auditlog-search', PARAMS=params,
                                  ARGS={'result_size': '3', 'start_date': '3 days'})
        self.assertEqual(len(results), 1, results)
        entry = results[0][0]
        self.assertEqual((entry['Type'], entry['ContentsFormat']), (1, 'json'))
        records = entry['EntryContext']['O365AuditLog(val.Id && val.Id == obj.Id)']
        self.assertEqual(len(records), 3)
        self.assertEqual(entry['Contents'], records)
        self.assertTrue(entry['HumanReadable'].startswith('### Audit log from '))
        secret = params['certificate']['password']
        self.assertNotIn(secret, repr(demistomock.DEBUG))


if __name__ == '__main__':
    unittest.main()
