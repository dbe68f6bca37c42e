#!/usr/bin/env python3
"""A fake o365auditlog plugin speaking the engine protocol (DESIGN.md section 2).

The execution's command picks the behaviour. Every reply the engine sends to an
executeCommand call is echoed back inside a result entry so tests can check it.
"""
import json
import sys
import time

MARKER = '[ERROR-fd5a7750-7182-4b38-90ba-091824478903]'


def send(msg):
    sys.stdout.write(json.dumps(msg) + '\n')
    sys.stdout.flush()


def note(contents, **extra):
    entry = {'Type': 1, 'ContentsFormat': 'json', 'Contents': contents}
    entry.update(extra)
    return entry


def call(command, args=None):
    send({'type': 'executeCommand', 'command': command, 'args': args or {}})
    return sys.stdin.readline().rstrip('\n')


def main():
    req = json.loads(sys.stdin.readline())
    cmd = req['command']
    sys.stderr.write('fake: starting %s\n' % cmd)
    sys.stderr.flush()
    if cmd == 'all-kinds':
        send({'type': 'result', 'results': [note({'request': {k: v for k, v in req.items()
                                                              if k != 'params'}})]})
        send({'type': 'result', 'results': [
            note([{'Id': 'a', 'N': 12345678901234567890, 'F': 0.1}], HumanReadable='### t',
                 EntryContext={'O365AuditLog(val.Id && val.Id == obj.Id)': [{'Id': 'a'}]}),
            {'Type': 11, 'ContentsFormat': 'text', 'Contents': 'warn'}]})
        send({'type': 'pong'})
        replies = {
            'getLastRun': call('getLastRun'),
            'setLastRun': call('setLastRun', {'value': {'ids': ['a'], 'time': 't1'}}),
            'getIntegrationContext': call('getIntegrationContext'),
            'setIntegrationContext': call('setIntegrationContext', {'value': {'token': 'x'}}),
            'getLastRun2': call('getLastRun'),
            'bogus': call('bogusCommand'),
        }
        send({'type': 'result', 'results': [note(replies)]})
    elif cmd == 'rr-error':
        send({'type': 'result', 'results': [note({'reply': call('getLastRun'),
                                                  'set': call('setIntegrationContext',
                                                              {'value': {}})})]})
    elif cmd in ('exception', 'fetch-incidents'):
        send({'type': 'exception', 'args': {'exception': 'search failed: throttled'}})
    elif cmd == 'fetch-ok':
        send({'type': 'result', 'results': [note('[]')]})
    elif cmd == 'crash':
        for i in range(30):
            sys.stderr.write('fake: log line %d\n' % i)
        sys.stderr.write('panic: boom\n')
        sys.stderr.flush()
        sys.exit(3)
    elif cmd == 'hang':
        time.sleep(3600)
    elif cmd == 'linger':
        send({'type': 'result', 'results': [note('done')]})
        send({'type': 'completed'})
        time.sleep(3600)
    elif cmd == 'large':
        blob = ''.join(chr(0x61 + i % 26) for i in range(26)) * (20 * 1024 * 1024 // 26)
        send({'type': 'result', 'results': [note({'blob': blob, 'u': '\u00e9\u2603'})]})
    elif cmd == 'garbage':
        sys.stdout.write('this is not json\n')
        sys.stdout.flush()
        time.sleep(3600)
    elif cmd == 'stderr-noise':
        for i in range(5000):
            sys.stderr.write('fake: noise %d\n' % i)
        sys.stderr.flush()
        send({'type': 'result', 'results': [note('ok')]})
    send({'type': 'completed'})


if __name__ == '__main__':
    main()
