#!/usr/bin/env python3
"""help_man.py: every mode's --help against man/netdemo.1 (as git's t0450).

    help_man.py NETDEMO MANPAGE

For each mode, the options its --help lists must be the options the man
page gives it: the common options that the page does not say the mode
refuses, plus the items of the mode's own section (mcast-send also takes
udp-send's, as its section says).  For each option both must agree on
whether it takes an argument, and the default that --help prints must
stand in the man page's item for it.  Prints one line per disagreement
and exits 1 if there is any.  Stdlib only.
"""

import re
import subprocess
import sys

MODES = ["tcp-serve", "tcp-connect", "udp-send", "udp-recv", "mcast-send",
         "mcast-recv"]
# Sections whose items a mode takes besides its own.
ALSO = {"mcast-send": ["udp-send"]}


def man_items(path):
    """{section: {long name: (takes_arg, item text)}} of the page."""
    items, section, cur = {}, None, None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        m = re.match(r"^\.(Ss|Sh) (.*)", line)
        if m:
            section = m.group(2).strip()
            cur = None
            continue
        m = re.match(r"^\.It Fl (.*)", line)
        if m and section is not None:
            longs = re.findall(r"Fl -([a-z][a-z0-9-]*)", line)
            if not longs:
                cur = None
                continue
            name = longs[0]
            cur = [(" Ar " in line), [line]]
            items.setdefault(section, {})[name] = cur
            continue
        if line.startswith(".It") or line.startswith(".El"):
            cur = None if line.startswith(".It") else cur
            if line.startswith(".El"):
                cur = None
            continue
        if cur is not None:
            cur[1].append(line)
    return {s: {n: (v[0], " ".join(v[1])) for n, v in d.items()}
            for s, d in items.items()}


def refused(text, mode):
    """Does a sentence of text say that mode refuses the option?"""
    for sentence in re.split(r"(?<=[.;])\s+(?=[A-Z.])", text):
        if re.search(r"\brefuses?\b", sentence) and re.search(
                r"(?<![a-z-])" + re.escape(mode) + r"(?![a-z-])", sentence):
            return True
    return False


def help_opts(netdemo, mode):
    """{long name: (takes_arg, default or None)} of MODE --help."""
    out = subprocess.run([netdemo, mode, "--help"], capture_output=True,
                         text=True, timeout=10, check=True).stdout
    opts = {}
    for line in out.splitlines():
        m = re.match(r"^  (?:-., )?\s*--([a-z][a-z0-9-]*)( \S+)?\s+(.*)$", line)
        if not m:
            continue
        d = re.search(r"\(default: ([^)]*)\)$", m.group(3))
        opts[m.group(1)] = (m.group(2) is not None,
                            d.group(1) if d else None)
    return opts


def main(argv):
    netdemo, page = argv[1], argv[2]
    items = man_items(page)
    common = items.get("Common options", {})
    bad = []
    for mode in MODES:
        got = help_opts(netdemo, mode)
        own = dict(items.get(mode, {}))
        for other in ALSO.get(mode, []):
            for k, v in items.get(other, {}).items():
                own.setdefault(k, v)
        want = dict(own)
        for name, item in common.items():
            if not refused(item[1], mode):
                want.setdefault(name, item)
        for name in sorted(set(got) - set(want)):
            bad.append("%s: --%s in --help, not in the man page" %
                       (mode, name))
        for name in sorted(set(want) - set(got)):
            bad.append("%s: --%s in the man page, not in --help" %
                       (mode, name))
        for name in sorted(set(got) & set(want)):
            takes, default = got[name]
            mtakes, text = want[name]
            if takes != mtakes:
                bad.append("%s: --%s takes an argument in %s only" %
                           (mode, name, "--help" if takes else "the man page"))
            if default is None:
                continue
            value = default.split(";")[0].strip()
            if value not in text:
                bad.append("%s: --%s default %r not in its man page item" %
                           (mode, name, value))
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
