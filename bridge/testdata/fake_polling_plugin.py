#!/usr/bin/env python3
"""A fake o365auditlog plugin that answers o365-auditlog-search the way polling does
(DESIGN.md section 5d), so the bridge's polling relay is tested without the Go side.

Its only state is the hidden query_id argument, as the real search's:
  no query_id      -> submits: one scheduled entry, query_id "q1"
  query_id "q1"    -> still running (and split): a scheduled entry, query_id "q1,q2", NextRun 30
  query_id "q1,q2" -> done: the final entries, without scheduling fields
  query_id "never" -> a scheduled entry for ever (the XSOAR fake's round cap ends it)
Each execution appends one JSON line to $FAKE_POLLING_LOG: the request line as received
(text) and the results array exactly as written to stdout (text), so tests can compare bytes.
"""
import json
import os
import sys


def encode(value):
    # Compact and non-ASCII kept: the test re-encodes what demisto got the same way.
    return json.dumps(value, separators=(',', ':'), ensure_ascii=False)


def scheduled(args, query_id, next_run, hide):
    polling_args = dict(args)
    polling_args['query_id'] = query_id
    polling_args['hide_polling_output'] = True
    text = 'Waiting for Graph audit queries %s.' % query_id
    return {'Type': 1, 'ContentsFormat': 'text', 'Contents': text,
            'HumanReadable': 'running' if hide else '### ' + text,
            'PollingCommand': 'o365-auditlog-search', 'NextRun': next_run,
            'PollingArgs': polling_args, 'Timeout': str(args.get('timeout_in_seconds', '3600')),
            'PollingItemsRemaining': 0}


def final(query_id):
    records = [{'Id': 'r1', 'CreationTime': '2026-12-01T00:00:01', 'N': 12345678901234567890}]
    summary = {'StartDate': '2026-12-01T00:00:00Z', 'EndDate': '2026-12-02T00:00:00Z', 'Count': 1,
               'Complete': True, 'Backend': 'graph', 'IncompleteWindows': [],
               'QueryID': query_id.split(',')}
    return [{'Type': 1, 'ContentsFormat': 'json', 'Contents': records,
             'HumanReadable': '### Audit log from 12/01/2026 00:00:00 to 12/02/2026 00:00:00',
             'EntryContext': {'O365AuditLog(val.Id && val.Id == obj.Id)': records,
                              'O365AuditLogSearch': summary}}]


def answer(args):
    query_id = args.get('query_id')
    hide = args.get('hide_polling_output') is True
    if query_id is None:
        return [scheduled(args, 'q1', str(args.get('interval_in_seconds', '15')), hide)]
    if query_id == 'q1':
        return [scheduled(args, 'q1,q2', '30', hide)]
    if query_id == 'never':
        return [scheduled(args, 'never', '60', hide)]
    return final(query_id)


def main():
    line = sys.stdin.readline()
    req = json.loads(line)
    results = encode(answer(req['args']))
    with open(os.environ['FAKE_POLLING_LOG'], 'a', encoding='utf-8') as log:
        log.write(json.dumps({'request': line.rstrip('\n'), 'results': results}) + '\n')
    out = '{"type":"result","results":%s}\n{"type":"completed"}\n' % results
    sys.stdout.buffer.write(out.encode('utf-8'))
    sys.stdout.buffer.flush()


if __name__ == '__main__':
    main()
