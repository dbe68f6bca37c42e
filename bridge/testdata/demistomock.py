"""A fake of XSOAR's demistomock for the bridge tests: it records every call.

Tests set the inputs (COMMAND, PARAMS, ARGS, callingContext, INVESTIGATION) and read what the
bridge did (RESULTS, DEBUG, ERRORS, LAST_RUN, INTEGRATION_CONTEXT, CALLS); reset() restores
the defaults. FAIL maps a function name to the exception it raises.
"""

COMMAND = 'test-module'
PARAMS = {}
ARGS = {}
INVESTIGATION = {'id': '42'}
callingContext = {}
RESULTS, DEBUG, ERRORS, CALLS = [], [], [], []
LAST_RUN, INTEGRATION_CONTEXT = {}, {}
FAIL = {}


def reset():
    global COMMAND, PARAMS, ARGS, INVESTIGATION, callingContext, LAST_RUN, INTEGRATION_CONTEXT
    COMMAND, PARAMS, ARGS, INVESTIGATION = 'test-module', {}, {}, {'id': '42'}
    callingContext, LAST_RUN, INTEGRATION_CONTEXT = {}, {}, {}
    for recorded in (RESULTS, DEBUG, ERRORS, CALLS):
        del recorded[:]
    FAIL.clear()


def _call(name, *args):
    CALLS.append((name,) + args)
    if name in FAIL:
        raise FAIL[name]


def command():
    return COMMAND


def params():
    return PARAMS


def args():
    return ARGS


def investigation():
    return INVESTIGATION


def results(value):
    _call('results')
    RESULTS.append(value)


def debug(msg):
    DEBUG.append(msg)


def error(msg):
    ERRORS.append(msg)


def getLastRun():
    _call('getLastRun')
    return LAST_RUN


def setLastRun(value):
    global LAST_RUN
    _call('setLastRun', value)
    LAST_RUN = value


def getIntegrationContext():
    _call('getIntegrationContext')
    return INTEGRATION_CONTEXT


def setIntegrationContext(value):
    global INTEGRATION_CONTEXT
    _call('setIntegrationContext', value)
    INTEGRATION_CONTEXT = value
