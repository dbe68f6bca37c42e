"""Textual edits of integration.yml for bridge/pack.sh (standard library only: no PyYAML).

The repo's integration.yml is edited as text, never re-serialised, so comments, order and
quoting stay as its owner wrote them. Only two shapes are produced:
  split    the content-repo layout: script.script is '-' (the code lives in O365AuditLog.py)
  unified  a single uploadable yml: script.script is the bridge's source as a block scalar,
           detaileddescription is the description file (unless the yml already has one);
           split drops detaileddescription: the pack's _description.md holds it
Both force script.type python and script.subtype python3 and set script.dockerimage (when
--image is given or the yml has none). Also: `static BIN` warns unless BIN is a static ELF.

Usage: pack_yml.py split|unified IN OUT [--image IMG] [--code PY] [--description MD]
       pack_yml.py category IN
       pack_yml.py description IN      (prints detaileddescription; exit 1 if none)
       pack_yml.py static BIN
"""
import json
import re
import struct
import sys

DEFAULT_IMAGE = 'o365auditlog/o365auditlog:1.0.0'


def indent_of(line):
    return len(line) - len(line.lstrip(' '))


def significant(line):
    return line.strip() != '' and not line.lstrip().startswith('#')


def top_block(lines, key):
    """(start, end) of the top-level mapping `key:`; end is the next top-level line."""
    for i, line in enumerate(lines):
        if re.match(r'^%s:\s*(#.*)?$' % re.escape(key), line):
            end = i + 1
            while end < len(lines) and not (significant(lines[end]) and indent_of(lines[end]) == 0):
                end += 1
            return i, end
    raise SystemExit('pack_yml: integration.yml has no top-level "%s:" mapping' % key)


def set_child(lines, block, key, new):
    """Replaces (or inserts) the child `key` of a block with the given lines (unindented)."""
    start, end = block
    children = [i for i in range(start + 1, end) if significant(lines[i])]
    if not children:
        raise SystemExit('pack_yml: the "%s:" block is empty' % lines[start].rstrip(':\n'))
    ind = indent_of(lines[children[0]])
    new = [(' ' * ind + n) if n else n for n in new]
    for i in children:
        if indent_of(lines[i]) == ind and re.match(r'^\s*%s:(\s|$)' % re.escape(key), lines[i]):
            j = i + 1  # the value's continuation: blank or more indented lines
            while j < end and (not lines[j].strip() or indent_of(lines[j]) > ind):
                j += 1
            while j > i + 1 and not lines[j - 1].strip():
                j -= 1
            lines[i:j] = new
            return
    lines[start + 1:start + 1] = new


def get_child(lines, block, key):
    start, end = block
    for i in range(start + 1, end):
        m = re.match(r'^(\s+)%s:\s*(.*?)\s*$' % re.escape(key), lines[i])
        if m:
            return m.group(2).strip('\'"')
    return None


def block_scalar(key, text, ind=2):
    body = [(' ' * ind + l) if l.strip() else '' for l in text.rstrip('\n').split('\n')]
    return ['%s: |-' % key] + body


def edit(text, mode, image=None, code=None, description=None):
    lines = text.split('\n')
    script = lambda: top_block(lines, 'script')  # noqa: E731  (re-read after each edit)
    if mode == 'unified':
        set_child(lines, script(), 'script', block_scalar('script', code))
        if description is not None and not any(l.startswith('detaileddescription:') for l in lines):
            lines[-1:-1] = block_scalar('detaileddescription', description)
    else:
        set_child(lines, script(), 'script', ["script: '-'"])
        found = top_scalar(lines, 'detaileddescription')  # split: it lives in the _description.md
        if found:
            del lines[found[0]:found[1]]
    set_child(lines, script(), 'type', ['type: python'])
    set_child(lines, script(), 'subtype', ['subtype: python3'])
    if image or not get_child(lines, script(), 'dockerimage'):
        set_child(lines, script(), 'dockerimage', ['dockerimage: ' + json.dumps(image or DEFAULT_IMAGE)])
    out = '\n'.join(lines)
    return out if out.endswith('\n') else out + '\n'


def top_scalar(lines, key):
    """(start, end, text) of a top-level scalar `key: ...` (plain, quoted or block), or None."""
    for i, line in enumerate(lines):
        m = re.match(r'^%s:\s*(.*?)\s*$' % re.escape(key), line)
        if not m:
            continue
        end = i + 1
        while end < len(lines) and (not lines[end].strip() or indent_of(lines[end]) > 0):
            end += 1
        while end > i + 1 and not lines[end - 1].strip():
            end -= 1
        value = m.group(1)
        if value[:1] in ('|', '>'):
            body = lines[i + 1:end]
            ind = min((indent_of(l) for l in body if l.strip()), default=0)
            return i, end, '\n'.join(l[ind:] for l in body)
        if value[:1] == '"':
            return i, end, json.loads(value)
        if value[:1] == "'":
            return i, end, value[1:-1].replace("''", "'")
        return i, end, value
    return None


def category(text):
    m = re.search(r'^category:\s*(.+?)\s*$', text, re.M)
    return m.group(1).strip('\'"') if m else 'Analytics & SIEM'


def static_warning(path):
    """None if path is a static ELF executable, else why not (the image has no Go runtime deps)."""
    with open(path, 'rb') as f:
        head = f.read(64)
        if head[:4] != b'\x7fELF' or head[4] != 2 or head[5] != 1:
            return 'not a 64-bit little-endian ELF executable'
        phoff, = struct.unpack_from('<Q', head, 32)
        phentsize, phnum = struct.unpack_from('<HH', head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        if struct.unpack_from('<I', table, i * phentsize)[0] == 3:  # PT_INTERP
            return 'dynamically linked (build with CGO_ENABLED=0, as `make build` does)'
    return None


def main(argv):
    mode = argv[1] if len(argv) > 1 else ''
    if mode == 'static':
        why = static_warning(argv[2])
        if why:
            print('pack.sh: warning: %s is %s' % (argv[2], why), file=sys.stderr)
        return
    if mode == 'description':
        with open(argv[2]) as f:
            found = top_scalar(f.read().split('\n'), 'detaileddescription')
        if not found:
            raise SystemExit(1)
        print(found[2])
        return
    if mode == 'category':
        with open(argv[2]) as f:
            print(category(f.read()))
        return
    if mode not in ('split', 'unified') or len(argv) < 4:
        raise SystemExit(__doc__)
    opts = dict(zip(argv[4::2], argv[5::2]))
    read = lambda p: open(p).read() if p else None  # noqa: E731
    with open(argv[2]) as f:
        out = edit(f.read(), mode, opts.get('--image'), read(opts.get('--code')),
                   read(opts.get('--description')))
    with open(argv[3], 'w') as f:
        f.write(out)


if __name__ == '__main__':
    main(sys.argv)
