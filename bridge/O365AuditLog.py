"""O365 Audit Log: the XSOAR bridge to the o365auditlog Go binary.

XSOAR runs Python integrations inside its own docker loop; this script is the integration's
code there. It starts the binary for one execution (``native: true``), relays what the binary
says (the engine protocol of DESIGN.md section 2) to the ``demisto`` object, and answers the
binary's request/response calls through the matching ``demisto`` functions. Standard library
only.

Entries are relayed unaltered: each stdout line is parsed once (``json.loads`` on the raw bytes)
and the ``results`` list goes to ``demisto.results`` as is, without building or re-encoding
anything on the way. That includes the scheduling fields of a polling step (PollingCommand,
NextRun, PollingArgs, Timeout, PollingItemsRemaining: DESIGN.md section 5d), which XSOAR reads
off the entry to run the command again later; it then hands PollingArgs back as
``demisto.args()``, and they go to the binary as the JSON values they are, like any args.
Params are never logged; the binary redacts its own stderr, which is
forwarded line by line to ``demisto.debug``.

Environment: ``O365AUDITLOG_BIN`` (path of the binary; default: ``o365auditlog`` on PATH),
``O365AUDITLOG_TIMEOUT`` (seconds one execution may take before the binary is killed;
default 3600).
"""
import collections
import json
import os
import queue
import shutil
import subprocess
import threading
import time

# XSOAR injects the global ``demisto`` into the script's namespace; demistomock is the
# module the content tooling (and our tests) use instead. Prefer the injected object so a
# stray demistomock on the image's path never shadows the real engine.
if 'demisto' not in globals():
    import demistomock as demisto  # noqa: E402

BIN_ENV = 'O365AUDITLOG_BIN'
TIMEOUT_ENV = 'O365AUDITLOG_TIMEOUT'
DEFAULT_TIMEOUT = 3600.0
ERROR_MARKER = '[ERROR-fd5a7750-7182-4b38-90ba-091824478903]'
FETCH_COMMANDS = ('fetch-incidents', 'fetch-events')
STDERR_TAIL = 20
EXIT_GRACE = 10.0


class BridgeError(Exception):
    """A failure of the bridge or the binary, worded for the analyst."""


def find_binary():
    path = os.environ.get(BIN_ENV, '').strip()
    if path:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        raise BridgeError('The o365auditlog binary set in %s (%s) is missing or not executable: '
                          'fix the path or the docker image.' % (BIN_ENV, path))
    found = shutil.which('o365auditlog')
    if not found:
        raise BridgeError('The o365auditlog binary was not found: set %s or put it on PATH '
                          '(use the docker image built for this integration).' % BIN_ENV)
    return found


def timeout_seconds():
    raw = os.environ.get(TIMEOUT_ENV, '').strip()
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        value = DEFAULT_TIMEOUT
    return value if value > 0 else DEFAULT_TIMEOUT


def calling_context():
    """The engine's calling context with Inv.id set from demisto.investigation()."""
    raw = getattr(demisto, 'callingContext', None)
    ctx = raw.get('context') if isinstance(raw, dict) else None
    ctx = dict(ctx) if isinstance(ctx, dict) else {}
    try:
        inv_id = (demisto.investigation() or {}).get('id')
    except Exception:
        inv_id = None
    if inv_id:
        inv = dict(ctx.get('Inv') or {})
        inv['id'] = inv_id
        ctx['Inv'] = inv
    return ctx


def pump(stream, kind, events):
    """Reads lines from a pipe into the event queue; None marks the end."""
    try:
        for line in iter(stream.readline, b''):
            events.put((kind, line))
    except (OSError, ValueError):
        pass
    finally:
        stream.close()
    events.put((kind, None))


def write_line(proc, data):
    try:
        proc.stdin.write(data + b'\n')
        proc.stdin.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass  # the binary is gone; its exit is reported from stdout's end


def answer(call):
    """Runs one executeCommand through demisto and returns the reply line (bytes)."""
    name, args = call.get('command'), call.get('args') or {}
    try:
        if name == 'getLastRun':
            value = demisto.getLastRun()
        elif name == 'getIntegrationContext':
            value = demisto.getIntegrationContext()
        elif name == 'setLastRun':
            demisto.setLastRun(args.get('value'))
            value = {}
        elif name == 'setIntegrationContext':
            demisto.setIntegrationContext(args.get('value'))
            value = {}
        else:
            raise BridgeError('unsupported executeCommand %r' % name)
        return json.dumps({} if value is None else value).encode()
    except Exception as e:  # every failure becomes the protocol's error reply
        text = ' '.join(str(e).split()) or type(e).__name__
        return ('%s %s' % (ERROR_MARKER, text)).encode()


def decode(data):
    try:
        msg = json.loads(data)
    except ValueError:
        msg = None
    if not isinstance(msg, dict):
        raise BridgeError('o365auditlog wrote a line that is not a protocol message (%d bytes); '
                          'the binary and the bridge may be of different versions.' % len(data))
    return msg


def run(command, params, args, ctx, binary, timeout):
    """Runs one execution; returns the exception text the binary reported, if any."""
    deadline = time.monotonic() + timeout
    proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, bufsize=1 << 16)
    events = queue.Queue()
    for stream, source in ((proc.stdout, 'out'), (proc.stderr, 'err')):
        threading.Thread(target=pump, args=(stream, source, events), daemon=True).start()
    line = json.dumps({'command': command, 'params': params, 'args': args, 'context': ctx,
                       'integration': True, 'native': True}, default=str).encode()
    # Written from a thread so that a binary which never reads cannot outlast the deadline.
    threading.Thread(target=write_line, args=(proc, line), daemon=True).start()
    tail, exception, completed = collections.deque(maxlen=STDERR_TAIL), None, False
    open_streams = {'out', 'err'}

    def stderr_line(data):
        tail.append(data.decode('utf-8', 'replace').rstrip('\r\n'))
        demisto.debug(tail[-1])

    try:
        while 'out' in open_streams and not completed:
            try:
                source, data = events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise BridgeError('o365auditlog did not finish %s within %g seconds and was '
                                  'stopped; raise %s or narrow the search.'
                                  % (command, timeout, TIMEOUT_ENV))
            if data is None:
                open_streams.discard(source)
                continue
            if source == 'err':
                stderr_line(data)
                continue
            msg = decode(data)
            kind = msg.get('type')
            if kind == 'result':
                if msg.get('results') is not None:
                    demisto.results(msg['results'])
            elif kind == 'executeCommand':
                write_line(proc, answer(msg))
            elif kind == 'exception':
                exception = str((msg.get('args') or {}).get('exception') or 'unknown error')
            elif kind == 'completed':
                completed = True
            else:
                demisto.debug('o365auditlog: ignored message type %r' % kind)
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            code = proc.wait(timeout=max(0.1, min(EXIT_GRACE, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            code = 'none (it did not exit and was stopped)'
        # Whatever stderr is still buffered is forwarded; it explains a crash.
        grace = time.monotonic() + 1.0
        while 'err' in open_streams:
            try:
                source, data = events.get(timeout=max(0.0, grace - time.monotonic()))
            except queue.Empty:
                break
            if data is None:
                open_streams.discard(source)
            elif source == 'err':
                stderr_line(data)
        if not completed:
            raise BridgeError('o365auditlog exited with code %s before completing %s. Last '
                              'stderr lines:\n%s' % (code, command, '\n'.join(tail) or '(none)'))
        if code:
            demisto.debug('o365auditlog exit code after completing %s: %s' % (command, code))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        try:
            proc.stdin.close()
        except OSError:
            pass
    return exception


def fail(command, text):
    """Reports a failure the XSOAR way: fetch commands raise, the others get an error entry."""
    demisto.error(text)
    if command in FETCH_COMMANDS:
        raise BridgeError(text)
    demisto.results({'Type': 4, 'ContentsFormat': 'text', 'Contents': text})


def main():
    command = demisto.command()
    try:
        exception = run(command, demisto.params(), demisto.args(), calling_context(),
                        find_binary(), timeout_seconds())
    except BridgeError as e:
        return fail(command, str(e))
    except (OSError, ValueError) as e:
        return fail(command, 'The o365auditlog bridge failed running %s: %s' % (command, e))
    if exception is not None:
        demisto.error(exception)
        if command in FETCH_COMMANDS:
            raise BridgeError(exception)
        demisto.results({'Type': 4, 'ContentsFormat': 'text', 'Contents': exception})


if __name__ in ('__main__', '__builtin__', 'builtins'):
    main()
