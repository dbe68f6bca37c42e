"""Tests of bridge/pack.sh: the XSOAR pack layout, the yml edits, the docker context.

The layout is checked against a fixture yml and against the repo's integration.yml with the
real binary (which `go test ./bridge` builds and names in O365AUDITLOG_TEST_BIN_DIR; by hand,
`make build`'s bin/). YAML is parsed with PyYAML when installed, else with the Go test binary
(O365AUDITLOG_TEST_YAML2JSON, set by `go test ./bridge`) or Debian's python3-yaml; with none
of them the yml checks fail. The tool itself needs only the standard library.
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PACK_SH = os.path.join(HERE, 'pack.sh')
FIXTURE = os.path.join(HERE, 'testdata', 'integration.yml')
INTEG = os.path.join('Packs', 'O365AuditLog', 'Integrations', 'O365AuditLog')
BIN_DIR = os.environ.get('O365AUDITLOG_TEST_BIN_DIR') or os.path.join(REPO, 'bin')
REAL_BIN = os.path.join(BIN_DIR, 'o365auditlog')
YAML2JSON = os.environ.get('O365AUDITLOG_TEST_YAML2JSON')


def load_yaml(path):
    """The parsed yml, or None when no YAML parser is at hand."""
    try:
        import yaml
        with open(path) as f:
            return yaml.safe_load(f)
    except ImportError:
        pass
    if YAML2JSON:
        proc = subprocess.run([YAML2JSON], env=dict(os.environ, O365AUDITLOG_YAML2JSON_FILE=path),
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError('%s %s: %s' % (YAML2JSON, path, proc.stderr))
        return json.loads(proc.stdout)
    for python in ('/usr/bin/python3', '/usr/local/bin/python3'):
        if os.path.exists(python) and os.path.realpath(python) != os.path.realpath(sys.executable):
            proc = subprocess.run([python, '-c', 'import json,sys,yaml; '
                                   'print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', path],
                                  capture_output=True, text=True)
            if proc.returncode == 0:
                return json.loads(proc.stdout)
    return None


class PackTestCase(unittest.TestCase):
    def setUp(self):
        if not shutil.which('bash'):
            self.fail('bash is not installed: pack.sh needs it')
        self.tmp = tempfile.mkdtemp(prefix='o365pack-')
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.out = os.path.join(self.tmp, 'dist')

    def pack(self, **env):
        full = dict(os.environ, PACK_OUT=self.out, PYTHON=sys.executable)
        full.update(env)
        return subprocess.run(['bash', PACK_SH], env=full, capture_output=True, text=True)

    def fake_bin(self):
        path = os.path.join(self.tmp, 'o365auditlog')
        with open(path, 'w') as f:
            f.write('#!/bin/sh\necho fake\n')
        os.chmod(path, 0o755)
        return path

    def check_layout(self, source_yml, image=None):
        integ = os.path.join(self.out, INTEG)
        for rel in ('Packs/O365AuditLog/pack_metadata.json', 'Packs/O365AuditLog/README.md',
                    'Packs/O365AuditLog/ReleaseNotes/1_0_0.md', INTEG + '/O365AuditLog.py',
                    INTEG + '/O365AuditLog.yml', INTEG + '/README.md',
                    INTEG + '/O365AuditLog_description.md', 'integration-O365AuditLog.yml',
                    'O365AuditLog.zip', 'docker/Dockerfile', 'docker/bin/o365auditlog'):
            self.assertTrue(os.path.isfile(os.path.join(self.out, rel)), rel)
        if os.path.exists(os.path.join(REPO, 'test_data', 'seed_record.json')):
            self.assertTrue(os.path.isfile(os.path.join(integ, 'test_data', 'seed_record.json')))
        with open(os.path.join(HERE, 'O365AuditLog.py')) as f:
            code = f.read()
        with open(os.path.join(integ, 'O365AuditLog.py')) as f:
            self.assertEqual(f.read(), code)
        with open(os.path.join(self.out, 'Packs/O365AuditLog/pack_metadata.json')) as f:
            meta = json.load(f)
        self.assertEqual(meta['currentVersion'], '1.0.0')
        self.assertEqual(meta['name'], 'O365 Audit Log')
        with open(os.path.join(self.out, 'docker', 'Dockerfile')) as f:
            dockerfile = f.read()
        for fragment in ('FROM ', 'COPY bin/o365auditlog /usr/local/bin/o365auditlog',
                         'ENV O365AUDITLOG_BIN=/usr/local/bin/o365auditlog'):
            self.assertIn(fragment, dockerfile)
        with zipfile.ZipFile(os.path.join(self.out, 'O365AuditLog.zip')) as z:
            names = z.namelist()
        self.assertIn('pack_metadata.json', names)
        self.assertIn('Integrations/O365AuditLog/O365AuditLog.py', names)

        split = os.path.join(integ, 'O365AuditLog.yml')
        unified = os.path.join(self.out, 'integration-O365AuditLog.yml')
        with open(split) as f:
            text = f.read()
        self.assertIn("  script: '-'\n", text)
        self.assertIn('  type: python\n', text)
        self.assertIn('  subtype: python3\n', text)
        parsed = [load_yaml(p) for p in (source_yml, split, unified)]
        self.assertNotIn(None, parsed, 'no YAML parser: install PyYAML, or run these tests '
                         'through `go test ./bridge`, which provides one')
        source, split_doc, unified_doc = parsed
        for doc in (split_doc, unified_doc):
            self.assertEqual(doc['script']['type'], 'python')
            self.assertEqual(doc['script']['subtype'], 'python3')
            self.assertTrue(doc['script']['dockerimage'])
            if image:
                self.assertEqual(doc['script']['dockerimage'], image)
            # Everything else is the source yml untouched.
            self.assertEqual(doc['script']['commands'], source['script']['commands'])
            self.assertEqual(doc['configuration'], source['configuration'])
            self.assertEqual(doc['commonfields'], source['commonfields'])
        self.assertEqual(split_doc['script']['script'], '-')
        self.assertNotIn('detaileddescription', split_doc, 'it lives in _description.md')
        if source.get('detaileddescription'):
            with open(os.path.join(integ, 'O365AuditLog_description.md')) as f:
                self.assertEqual(f.read().rstrip('\n'), source['detaileddescription'])
            self.assertEqual(unified_doc['detaileddescription'], source['detaileddescription'])
        self.assertEqual(unified_doc['script']['script'], code.rstrip('\n'))
        self.assertTrue(unified_doc.get('detaileddescription'))


class TestPackFixture(PackTestCase):
    def test_layout(self):
        proc = self.pack(PACK_YML=FIXTURE, PACK_BIN=self.fake_bin())
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.check_layout(FIXTURE)
        self.assertIn('warning', proc.stderr, 'a non-ELF binary is flagged')

    def test_docker_image_override(self):
        proc = self.pack(PACK_YML=FIXTURE, PACK_BIN=self.fake_bin(),
                         PACK_DOCKER_IMAGE='registry.example.com/o365auditlog:2.0.0',
                         PACK_VERSION='2.0.0')
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(os.path.isfile(os.path.join(
            self.out, 'Packs/O365AuditLog/ReleaseNotes/2_0_0.md')))
        with open(os.path.join(self.out, INTEG, 'O365AuditLog.yml')) as f:
            self.assertIn('dockerimage: "registry.example.com/o365auditlog:2.0.0"', f.read())

    def test_missing_yml_fails_clearly(self):
        proc = self.pack(PACK_YML=os.path.join(self.tmp, 'none.yml'), PACK_BIN=self.fake_bin())
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn('integration.yml', proc.stderr)

    def test_missing_binary_fails_clearly(self):
        proc = self.pack(PACK_YML=FIXTURE, PACK_BIN=os.path.join(self.tmp, 'none'))
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn('make build', proc.stderr)


class TestPackYml(unittest.TestCase):
    """pack_yml's textual edits on the shapes an integration.yml may take."""

    SRC = ('name: X\n'
           'script:\n'
           '  # the code\n'
           '  script: |-\n'
           '    old()\n'
           '\n'
           '    more()\n'
           '  type: javascript\n'
           '  commands:\n'
           '  - name: a\n'
           '    script: not-this-one\n'
           'fromversion: 6.0.0\n')

    def setUp(self):
        sys.path.insert(0, HERE)
        self.addCleanup(sys.path.remove, HERE)
        import pack_yml
        self.pack_yml = pack_yml

    def test_split_replaces_block_scalar_and_adds_missing_keys(self):
        out = self.pack_yml.edit(self.SRC, 'split')
        self.assertEqual(out, 'name: X\n'
                              'script:\n'
                              '  dockerimage: "o365auditlog/o365auditlog:1.0.0"\n'
                              '  subtype: python3\n'
                              '  # the code\n'
                              "  script: '-'\n"
                              '  type: python\n'
                              '  commands:\n'
                              '  - name: a\n'
                              '    script: not-this-one\n'
                              'fromversion: 6.0.0\n')

    def test_unified_inlines_code_and_description(self):
        out = self.pack_yml.edit(self.SRC, 'unified', image='img:1', code='a()\n\n  b()\n',
                                 description='# Hi\n')
        self.assertIn('  script: |-\n    a()\n\n      b()\n  type: python\n', out)
        self.assertIn('  dockerimage: "img:1"\n', out)
        self.assertTrue(out.endswith('fromversion: 6.0.0\ndetaileddescription: |-\n  # Hi\n'))

    def test_no_script_block_fails(self):
        with self.assertRaises(SystemExit):
            self.pack_yml.edit('name: X\n', 'split')


class TestBridgeSource(unittest.TestCase):
    def test_standard_library_only(self):
        import ast
        with open(os.path.join(HERE, 'O365AuditLog.py')) as f:
            tree = ast.parse(f.read())
        names = {a.name.split('.')[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                 for a in n.names}
        names |= {n.module.split('.')[0] for n in ast.walk(tree)
                  if isinstance(n, ast.ImportFrom) and n.module}
        self.assertEqual(sorted(n for n in names if not is_stdlib(n)), ['demistomock'])


def is_stdlib(name):
    """Whether the top-level module name is Python's own (any Python 3 version)."""
    if hasattr(sys, 'stdlib_module_names'):  # 3.10+
        return name in sys.stdlib_module_names
    if name in sys.builtin_module_names:
        return True
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        return False
    if spec.origin in ('built-in', 'frozen'):
        return True
    origin = os.path.realpath(spec.origin)
    if 'site-packages' in origin or 'dist-packages' in origin:
        return False
    paths = sysconfig.get_paths()
    return any(origin.startswith(os.path.realpath(paths[k]) + os.sep) for k in ('stdlib', 'platstdlib'))


class TestPackRepo(PackTestCase):
    def test_layout(self):
        self.assertTrue(os.path.isfile(os.path.join(REPO, 'integration.yml')), 'no integration.yml at the repository root')
        if not os.access(REAL_BIN, os.X_OK):
            self.fail('%s is not built: `go test ./bridge` builds it; by hand, run `make build` '
                      'or set O365AUDITLOG_TEST_BIN_DIR' % REAL_BIN)
        proc = self.pack(PACK_BIN=REAL_BIN)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.check_layout(os.path.join(REPO, 'integration.yml'))
        self.assertNotIn('warning', proc.stderr, 'make build makes a static binary')


if __name__ == '__main__':
    unittest.main()
