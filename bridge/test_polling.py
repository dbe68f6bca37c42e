"""Tests of the bridge under XSOAR polling (DESIGN.md section 5d), against a fake plugin.

XSOAR runs a polling command again, NextRun seconds later, whenever an entry it returns
carries PollingCommand, with that entry's PollingArgs as demisto.args(); it stops at an entry
without scheduling fields (or at Timeout). The fake engine below does the same, without the
waits, so the bridge is tested as XSOAR drives it: the scheduling fields must reach demisto
exactly as the plugin wrote them, and the next run's args must reach the plugin as JSON
values (booleans as booleans), none dropped.

Run: python3 -m unittest discover -s bridge -p 'test_*.py'   (also run by `go test ./bridge`)
"""
import json
import os
import sys
import unittest

from test_bridge import TESTDATA, BridgeTestCase, bridge, write_exe
import demistomock  # noqa: E402  the fake in testdata/ (test_bridge puts it on sys.path)

SCHEDULING = ('PollingCommand', 'NextRun', 'PollingArgs', 'Timeout', 'PollingItemsRemaining')
MAX_ROUNDS = 6

# A playbook's args: JSON values of every kind, as XSOAR hands them to the integration.
PLAYBOOK_ARGS = {
    'start_date': '3 days', 'end_date': '2026-12-02T00:00:00Z', 'result_size': 20000,
    'as_file': True, 'record_type': ['ExchangeItem', 'SharePointFileOperation'],
    'free_text': 'caf\u00e9 "quoted" <b>', 'backend': 'graph', 'polling': True,
    'interval_in_seconds': '20', 'timeout_in_seconds': '600', 'columns': None,
}
# The War Room's: every value a string.
WAR_ROOM_ARGS = {'start_date': '1 day', 'backend': 'auto', 'polling': 'true',
                 'operations': 'FileDownloaded,FileAccessed'}


def entries_of(results):
    """Flattens demisto.results calls (one entry or a list of them) into entries."""
    out = []
    for value in results:
        out.extend(value if isinstance(value, list) else [value])
    return out


def encode(value):
    return json.dumps(value, separators=(',', ':'), ensure_ascii=False)


class TestPolling(BridgeTestCase):
    def setUp(self):
        super().setUp()
        self.log = os.path.join(self.tmp, 'executions.jsonl')
        self.env.setdefault('FAKE_POLLING_LOG', os.environ.get('FAKE_POLLING_LOG'))
        os.environ['FAKE_POLLING_LOG'] = self.log
        os.environ[bridge.BIN_ENV] = write_exe(
            self.tmp, 'fake-polling', '#!/bin/sh\nexec "%s" "%s" "$@"\n'
            % (sys.executable, os.path.join(TESTDATA, 'fake_polling_plugin.py')))

    def poll(self, command, args):
        """Runs command as XSOAR does under polling; returns each round's entries."""
        demistomock.COMMAND, demistomock.ARGS = command, args
        rounds = []
        for _ in range(MAX_ROUNDS):
            before = len(demistomock.RESULTS)
            bridge.main()
            entries = entries_of(demistomock.RESULTS[before:])
            rounds.append(entries)
            scheduled = [e for e in entries if 'PollingCommand' in e]
            if not scheduled:
                return rounds
            self.assertEqual(len(scheduled), 1, 'one scheduled entry per round: %r' % entries)
            demistomock.COMMAND = scheduled[0]['PollingCommand']
            demistomock.ARGS = scheduled[0]['PollingArgs']
        self.fail('still scheduling after %d rounds' % MAX_ROUNDS)

    def executions(self):
        """What the fake plugin received and wrote, one per execution."""
        with open(self.log, encoding='utf-8') as f:
            return [json.loads(line) for line in f]

    def check_polling(self, original):
        rounds = self.poll('o365-auditlog-search', original)
        runs = self.executions()
        self.assertEqual(len(rounds), 3, rounds)
        self.assertEqual(len(runs), 3, runs)
        self.assertEqual(demistomock.ERRORS, [])

        # What demisto got is what the plugin wrote, byte for byte once re-encoded alike:
        # same keys in the same order, same JSON types (NextRun and Timeout strings,
        # PollingItemsRemaining the number 0, hide_polling_output the boolean true).
        for i, (entries, run) in enumerate(zip(rounds, runs)):
            self.assertEqual(encode(entries), run['results'], 'round %d' % (i + 1))
        first, second, last = (r[0] for r in rounds)
        self.assertEqual(encode({k: first[k] for k in SCHEDULING}), encode({
            'PollingCommand': 'o365-auditlog-search',
            'NextRun': str(original.get('interval_in_seconds', '15')),
            'PollingArgs': dict(original, query_id='q1', hide_polling_output=True),
            'Timeout': str(original.get('timeout_in_seconds', '3600')),
            'PollingItemsRemaining': 0}))
        self.assertIs(first['PollingArgs']['hide_polling_output'], True)
        self.assertIs(first['PollingItemsRemaining'], 0)
        self.assertEqual((second['NextRun'], second['PollingArgs']['query_id']), ('30', 'q1,q2'))
        for key in SCHEDULING:
            self.assertNotIn(key, last, 'the final entry must end the polling')
        self.assertEqual(last['EntryContext']['O365AuditLogSearch']['QueryID'], ['q1', 'q2'])
        self.assertEqual(last['Contents'][0]['N'], 12345678901234567890)

        # Each run's args reached the plugin as JSON values: the first exactly the original
        # ones, the later ones every original arg plus query_id and hide_polling_output=true.
        requests = [json.loads(run['request']) for run in runs]
        self.assertEqual([r['command'] for r in requests], ['o365-auditlog-search'] * 3)
        self.assertEqual(encode(requests[0]['args']), encode(original))
        for request, query_id in zip(requests[1:], ('q1', 'q1,q2')):
            args = request['args']
            self.assertEqual(args['query_id'], query_id)
            self.assertIs(args['hide_polling_output'], True)
            for name, value in original.items():
                self.assertIn(name, args)
                self.assertEqual(encode(args[name]), encode(value), 'arg %s' % name)
            self.assertEqual(set(args), set(original) | {'query_id', 'hide_polling_output'})

    def test_playbook_args_round_trip(self):
        self.check_polling(PLAYBOOK_ARGS)

    def test_war_room_args_round_trip(self):
        self.check_polling(WAR_ROOM_ARGS)

    def test_engine_stops_an_endless_poll(self):
        # The fake engine's cap, which the tests above rely on to end: a plugin that always
        # schedules is stopped, not run for ever.
        with self.assertRaises(AssertionError):
            self.poll('o365-auditlog-search', {'query_id': 'never', 'polling': True})
        self.assertEqual(len(self.executions()), MAX_ROUNDS)


if __name__ == '__main__':
    unittest.main()
