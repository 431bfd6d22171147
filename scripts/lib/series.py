# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""How the tree keeps its two patch series (qemu-patches/, guest/linux/).

A series is made as commits in a scratch git repository that holds
Debian's pristine copies of the files it touches: a "base" commit, then
one commit per patch. The commits that bring in files shared with this
checkout are made from scripts/series.shared; the rest come from the
series' own canonical sources (hv/qemu/ for QEMU, the series' own patches
for Linux). The export is git format-patch with a fixed identity, fixed
dates, no commit hashes and no configuration but ours, so the same
inputs give the same bytes on any machine, whoever runs it.

Used by scripts/gen-qemu-patches and scripts/gen-linux-patches.
"""
import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_LIST = "scripts/series.shared"

# Author, Signed-off-by and dates of every patch of both series.
NAME = "Seed f9f99f9f maintainers"
EMAIL = "maintainers@users.noreply.r-seed-f9f99f9f.example"
DATE = "2026-01-01T00:00:00+0000"
MAIL_DATE = "Thu, 1 Jan 2026 00:00:00 +0000"

FORMAT = ["format-patch", "-q", "--cover-letter", "--zero-commit",
          "--no-signature", "--no-attach", "--no-thread", "--abbrev=7",
          "--subject-prefix=PATCH"]


def die(msg):
    sys.stderr.write(f"{os.path.basename(sys.argv[0])}: {msg}\n")
    sys.exit(1)


def checkout(rel):
    """The text of REL in this checkout."""
    with open(os.path.join(TOP, rel), encoding="utf-8") as f:
        return f.read()


def shared(series):
    """[(path in the patched tree, checkout path)] of SERIES, in list order."""
    out = []
    for line in checkout(SHARED_LIST).splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if len(words) != 3:
            die(f"{SHARED_LIST}: bad line {line!r}")
        if words[0] == series:
            out.append((words[1], words[2]))
    return out


def git_env(extra=None):
    """No system or global git configuration, our identity and dates."""
    env = dict(os.environ)
    env.update(GIT_AUTHOR_NAME=NAME, GIT_AUTHOR_EMAIL=EMAIL,
               GIT_COMMITTER_NAME=NAME, GIT_COMMITTER_EMAIL=EMAIL,
               GIT_AUTHOR_DATE=DATE, GIT_COMMITTER_DATE=DATE,
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               TZ="UTC", LC_ALL="C")
    env.update(extra or {})
    return env


def normalise(mail, author=True):
    """MAIL with its header's Date: (and with AUTHOR its From:) set to the
    series' own."""
    head, sep, body = mail.partition("\n\n")
    out, skip = [], False
    for line in head.split("\n"):
        if skip and line[:1] in (" ", "\t"):
            continue
        skip = False
        if author and line.startswith("From: "):
            line, skip = f"From: {NAME} <{EMAIL}>", True
        elif line.startswith("Date: "):
            line, skip = f"Date: {MAIL_DATE}", True
        out.append(line)
    return "\n".join(out) + sep + body


def subject(mail):
    """The Subject: of MAIL, unfolded, without its [PATCH n/m] prefix."""
    head = mail.partition("\n\n")[0]
    m = re.search(r"(?m)^Subject: (.*(?:\n[ \t].*)*)", head)
    text = re.sub(r"\n[ \t]", " ", m.group(1)) if m else ""
    return re.sub(r"^\[PATCH[^]]*\] ", "", text)


def split_mbox(text):
    """The messages of an mbox made by git format-patch."""
    parts = re.split(r"(?m)^(?=From [0-9a-f]{40} )", text)
    return [p for p in parts if p.strip()]


class Repo:
    """A scratch git repository the series is made in."""

    def __init__(self, path):
        self.path = path
        self.env = git_env()

    def git(self, *args, stdin=None):
        r = subprocess.run(["git", "-C", self.path, *args], env=self.env,
                           input=stdin, capture_output=True, text=True)
        if r.returncode:
            die(f"git {' '.join(args[:2])}: {(r.stderr or r.stdout).strip()}")
        return r.stdout

    def file(self, rel):
        return os.path.join(self.path, rel)

    def read(self, rel):
        with open(self.file(rel), encoding="utf-8") as f:
            return f.read()

    def write(self, rel, text):
        os.makedirs(os.path.dirname(self.file(rel)), exist_ok=True)
        with open(self.file(rel), "w", encoding="utf-8") as f:
            f.write(text)

    def insert_after(self, rel, anchor, text):
        """Insert TEXT after the first line of REL that equals ANCHOR."""
        old = self.read(rel)
        key = anchor + "\n"
        at = old.find(key)
        if at < 0 or (at > 0 and old[at - 1] != "\n"):
            die(f"{rel}: anchor line {anchor!r} not found; does the series "
                "still match this source?")
        at += len(key)
        self.write(rel, old[:at] + text + old[at:])

    def base(self, message="base"):
        """Commit what is there as the pristine base, tagged "base"."""
        self.git("init", "-q")
        self.git("add", "-A", "-f", ".")
        self.git("commit", "-q", "--no-verify", "-m", message)
        self.git("tag", "base")

    def commit(self, subject, body):
        self.git("add", "-A")
        msg = (f"{subject}\n\n{body.strip()}\n\n"
               f"Signed-off-by: {NAME} <{EMAIL}>\n")
        self.git("commit", "-q", "--no-verify", "-m", msg)

    def import_shared(self, pairs, transform=None):
        """Copy the checkout's shared files into the tree."""
        for dst, src in pairs:
            text = checkout(src)
            self.write(dst, transform(text) if transform else text)

    def am(self, mail, name="patch"):
        """Apply one format-patch message with git am, as our author."""
        r = subprocess.run(["git", "-C", self.path, "am", "-q", "--keep-cr"],
                           env=self.env, input=normalise(mail),
                           capture_output=True, text=True)
        if r.returncode:
            die(f"{name} does not apply with git am:\n{r.stdout}{r.stderr}")

    def export(self, outdir, since, cover_subject, cover_blurb):
        """Write SINCE..HEAD to OUTDIR as a series with a cover letter;
        remove the *.patch files there that the export did not write."""
        with tempfile.TemporaryDirectory(prefix="tickpage-series-") as tmp:
            self.git(*FORMAT, "-o", tmp, f"{since}..HEAD")
            names = sorted(os.listdir(tmp))
            os.makedirs(outdir, exist_ok=True)
            for f in os.listdir(outdir):
                if f.endswith(".patch") and f not in names:
                    os.unlink(os.path.join(outdir, f))
            for f in names:
                with open(os.path.join(tmp, f), encoding="utf-8") as fh:
                    text = fh.read()
                if f.startswith("0000-"):
                    text = text.replace("*** SUBJECT HERE ***", cover_subject)
                    text = text.replace("*** BLURB HERE ***", cover_blurb)
                with open(os.path.join(outdir, f), "w", encoding="utf-8") as fh:
                    fh.write(normalise(text, author=False))
        return names


def compare(fresh, committed, label):
    """0 if the *.patch files of FRESH and COMMITTED are byte-identical."""
    def patches(d):
        return sorted(f for f in os.listdir(d) if f.endswith(".patch"))
    want, have = patches(fresh), patches(committed)
    stale = []
    for f in sorted(set(want) | set(have)):
        a, b = os.path.join(fresh, f), os.path.join(committed, f)
        if f not in want or f not in have:
            stale.append(f)
        elif open(a, "rb").read() != open(b, "rb").read():
            stale.append(f)
            d = subprocess.run(["diff", "-u", b, a], capture_output=True,
                               text=True).stdout
            sys.stderr.write("".join(d.splitlines(True)[:40]))
    for f in stale:
        print(f"stale: {label}/{f}" + ("" if f in have else " (missing)")
              + ("" if f in want else " (not generated)"))
    return stale


def check(generate, committed, regenerate_cmd, pristine):
    """The staleness test of a series: generate it into a scratch
    directory and compare the bytes with COMMITTED, then apply COMMITTED
    with git am to the pristine source."""
    label = os.path.relpath(committed, TOP)
    with tempfile.TemporaryDirectory(prefix="tickpage-check-") as tmp:
        generate(tmp)
        stale = compare(tmp, committed, label)
        if stale:
            print(f"{label}/ is stale: run '{regenerate_cmd}' and commit the result")
            return 1
        n = len([f for f in os.listdir(tmp) if f.endswith(".patch")])
        print(f"{label}/ matches a fresh generation ({n} files)")
    return am_check(committed, pristine, label)


def patch_files(dirname):
    """The patches of the series in DIRNAME, cover letter left out."""
    return [os.path.join(dirname, f) for f in sorted(os.listdir(dirname))
            if re.match(r"[0-9]{4}-.*\.patch$", f) and not f.startswith("0000-")]


def touched(mails, created=()):
    """The files MAILS change that they (or CREATED) do not create: what
    a tree needs for them to apply."""
    made, need = set(created), []
    for mail in mails:
        for m in re.finditer(r"(?m)^diff --git a/(\S+) b/(\S+)\n((?:new file mode)?)", mail):
            path = m.group(2)
            if m.group(3):
                made.add(path)
            elif path not in made and path not in need:
                need.append(path)
    return need


def am_check(committed, pristine, label):
    """Apply COMMITTED's patches as they are, with git am alone, to the
    pristine files they change (PRISTINE(files, dest) copies them in)."""
    paths = patch_files(committed)
    mails = [open(p, encoding="utf-8").read() for p in paths]
    with tempfile.TemporaryDirectory(prefix="tickpage-am-") as tmp:
        repo = Repo(os.path.join(tmp, "tree"))
        os.makedirs(repo.path)
        pristine(touched(mails), repo.path)
        repo.base()
        r = subprocess.run(["git", "-C", repo.path, "am", "-q", "--keep-cr",
                            *paths], env=repo.env, capture_output=True, text=True)
        if r.returncode:
            print(f"{label}/: git am on the pristine source fails:\n{r.stdout}{r.stderr}")
            return 1
        print(f"{label}/: the {len(paths)} patches apply with git am on the pristine source")
        return 0
