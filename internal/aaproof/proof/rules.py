"""What an AppArmor profile allows, as AppArmor's own tools read it.

apparmor_parser compiles the profile (a profile the kernel would refuse
proves nothing), prints the regular expression it compiles each path
pattern to (-D rule-exprs), expands the profile's includes (-p), and
prints the capabilities and sockets it built (-d). python3-apparmor's profile parser and rule
classes read the expanded text, and its rulesets match paths through
AARE objects.
"""

import re
import subprocess
import tempfile

import apparmor.aa as aa
from apparmor.aare import AARE
from apparmor.common import AppArmorException
from apparmor.rule.capability import CapabilityRule
from apparmor.rule.file import FileRule, FileRuleset, perms_with_a

# Every file permission a rule can carry; a bare `file,` rule has them all.
FILE_PERMS = frozenset('rwalkmx')

VARIABLE = re.compile(r'@\{[^}]*\}')


class ProfileError(Exception):
    """The profile cannot be proved at all."""


def run_parser(parser, *args):
    """apparmor_parser's run; its refusal is a ProfileError."""
    done = subprocess.run([parser, *args], capture_output=True, text=True)
    if done.returncode != 0:
        # Without an AppArmor kernel the parser always says that it cannot
        # use its cache; that line explains nothing.
        why = [l for l in done.stderr.splitlines() if l and not l.startswith('Cache read/write disabled')]
        raise ProfileError('apparmor_parser %s refuses the profile: %s' % (' '.join(args[:-1]), ' / '.join(why)))
    return done


class ParserAARE(AARE):
    """A path pattern that matches as apparmor_parser compiles it.

    python3-apparmor's own translation (apparmor.common.convert_regexp)
    differs from the parser's inside an alternation: it makes `*` and
    `**` right after a slash match one character at least there too, so
    that `/data{,/**}` does not match /data/, which the parser's (and so
    the kernel's) `/data(|/[^\x00]*)` does.
    """

    def __init__(self, pattern, regex):
        # Not checked as a path: an alternation of paths starts with `{`.
        super().__init__(pattern, False)
        self.compiled = re.compile(regex)

    def match(self, expression):
        return bool(self.compiled.fullmatch(expression))


def compiled_patterns(parser, path):
    """The regular expression each path pattern of the profile became, by
    the pattern apparmor_parser made of the rule (variables replaced),
    from the parser's dump of the rules, lines of `aare: PATTERN   ->
    REGEX` on standard error."""
    dump = run_parser(parser, '-Q', '-K', '-q', '-D', 'rule-exprs', path).stderr
    return dict(l[len('aare: '):].split('   ->   ', 1) for l in dump.splitlines() if l.startswith('aare: '))


def values(name, variables):
    """A variable's values, each with the variables it names replaced: one
    value for each combination of theirs, as apparmor_parser lists them."""
    if name not in variables:
        raise ProfileError('a file rule names %s, which neither the profile nor its includes define' % name)
    return set().union(*(values_of(v, variables) for v in variables[name]))


def values_of(text, variables):
    """text with its variables replaced, one string per combination."""
    found = VARIABLE.search(text)
    if not found:
        return {text}
    out = set()
    for inner in values(found.group(0), variables):
        out |= values_of(text[:found.start()] + inner + text[found.end():], variables)
    return out


def expand(pattern, variables):
    """The path pattern apparmor_parser makes of pattern.

    It writes a variable of one value as that value, and one of several
    as an alternation of them, less the slash at a value's start when a
    slash comes before the variable and the one at its end when a slash
    follows it; then it makes every run of slashes one (@{PROC}=/proc/
    makes @{PROC}/sys /proc/sys).
    """
    found = VARIABLE.search(pattern)
    while found:
        before, after = pattern[:found.start()], pattern[found.end():]
        choices = sorted(values(found.group(0), variables))
        if len(choices) == 1:
            text = choices[0]
        else:
            if before.endswith('/'):
                choices = [c[1:] if c.startswith('/') else c for c in choices]
            if after.startswith('/'):
                choices = [c[:-1] if c.endswith('/') else c for c in choices]
            text = '{%s}' % ','.join(choices)
        pattern = before + text + after
        found = VARIABLE.search(pattern)
    return re.sub('//+', '/', pattern)


def widen(perms):
    """The permissions a rule's perms hold: all of them for a bare rule, and
    append with write (apparmor_parser sets the append bit with `w`, so
    that `deny w` denies appending too; `deny a` denies appending alone)."""
    if perms == FileRule.ALL:
        return set(FILE_PERMS)
    return perms_with_a(perms)


def rule_text(rule):
    return '`%s`' % rule.get_raw().strip()


class Profile:
    """The one profile of a file, with its includes and variables expanded."""

    def __init__(self, parser, path):
        run_parser(parser, '-Q', '-K', '-q', path)
        regexes = compiled_patterns(parser, path)
        expanded = run_parser(parser, '-p', path).stdout
        built = run_parser(parser, '-Q', '-K', '-d', path).stdout

        aa.init_aa()
        try:
            data = aa.parse_profile_data(expanded.splitlines(), path, False)
        except AppArmorException as e:
            raise ProfileError('python3-apparmor cannot read the expanded profile: %s' % e)
        names = ['%s//%s' % (p, h) if p != h else p for p in data for h in data[p]]
        if len(names) != 1:
            raise ProfileError('the file holds %s; the proof reads a single profile without hats or children'
                               % (', '.join(names) or 'no profile'))
        (profile,) = data
        storage = data[profile][profile]

        # Variables and aliases are defined outside the profile, in the
        # tunables the expanded text holds.
        preamble = aa.active_profiles.files.get(path)
        variables = aa.active_profiles.get_all_merged_variables(path, []) if preamble else {}
        if preamble and preamble['alias'].rules:
            raise ProfileError('alias rules rewrite paths before matching, which the proof does not follow: %s'
                               % rule_text(preamble['alias'].rules[0]))

        # Each file rule's path becomes the pattern apparmor_parser
        # compiled, its variables replaced, and matches paths as the
        # parser's regular expression does; the rule still prints as the
        # profile wrote it.
        self.files = FileRuleset()
        for rule in storage['file'].rules:
            if rule.all_paths:
                self.files.add(rule)
                continue
            pattern = expand(rule.path.regex, variables)
            if pattern not in regexes:
                raise ProfileError('the proof makes %s of %s, which is not among the patterns apparmor_parser compiled'
                                   % (pattern, rule_text(rule)))
            rule.path = ParserAARE(pattern, regexes[pattern])
            self.files.add(rule)

        self.capabilities = storage['capability'].rules
        for rule in self.capabilities:
            # The library reads a line as one rule: `capability chown,
            # capability kill,` would be the capabilities `chown,`,
            # `capability` and `kill`.
            if any(',' in name for name in rule.capability):
                raise ProfileError('python3-apparmor reads %s as one rule: the proof needs one capability rule a line'
                                   % rule_text(rule))
        self.network = storage['network'].rules
        self.mount_allows = storage['allow']['mount'] + storage['allow']['pivot_root']
        # What python3-apparmor read, for the harness's figures.
        self.rule_count = sum(len(storage[kind].rules) for kind in
                              ('file', 'capability', 'network', 'signal', 'ptrace', 'dbus', 'rlimit', 'change_profile'))
        self.rule_count += sum(len(rules) for kind in ('allow', 'deny') for rules in storage[kind].values())
        self.built = Built(built)
        self.parser = parser
        with open(path) as f:
            self.abi = next((l.strip() for l in f if l.strip().startswith('abi ')), '')

    def unnameable(self, caps):
        """Those of caps that apparmor_parser, under the profile's ABI,
        builds as another capability: no rule can allow one of them
        without allowing more. All of them are probed at once first."""
        caps = set(caps)
        if not caps:
            return set()
        together = builds_as(self.parser, self.abi, ' '.join(sorted(caps)))
        return {c for c in caps - together if builds_as(self.parser, self.abi, c) != {c}}

    def access(self, path):
        """What a task may do to path: (on a file it does not own, on one it owns).

        A deny rule wins over every allow rule; an `owner` rule applies
        only to files whose owner is the task's fsuid.
        """
        found = self.files.get_perms_for_path(path)
        allow, deny = widen(found['allow']['all']), widen(found['deny']['all'])
        others = allow - deny
        owned = (allow | widen(found['allow']['owner'])) - (deny | widen(found['deny']['owner']))
        return others, owned

    def must(self, path, perm):
        """Whether perm is allowed on path whoever owns the file."""
        others, owned = self.access(path)
        return perm in others and perm in owned

    def may(self, path, perm):
        """Whether perm is allowed on path for some file, owned or not."""
        others, owned = self.access(path)
        return perm in others or perm in owned

    def may_write(self, path):
        return self.may(path, 'w') or self.may(path, 'a')

    def rules_for(self, path, perm, deny):
        """The allow (or deny) rules that name perm for path."""
        return [rule_text(r) for r in self.files.get_rules_for_path(path).rules
                if r.deny == deny and perm in widen(FileRule.ALL if r.all_perms else r.perms)]

    def granted_caps(self, universe):
        """The capabilities of universe that allow rules name and no deny rule does."""
        def covered(cap, deny):
            probe = CapabilityRule(cap)
            return any(r.deny == deny and r.is_covered(probe, check_allow_deny=False) for r in self.capabilities)
        return {cap for cap in universe if covered(cap, False) and not covered(cap, True)}


def builds_as(parser, abi, cap):
    """The capabilities apparmor_parser builds for `capability CAP,` alone
    under the ABI line abi: {cap} when it can name cap, an older one when
    its ABI lacks it."""
    with tempfile.NamedTemporaryFile('w', suffix='.probe') as probe:
        probe.write('%s\nprofile aaproof-probe {\n  capability %s,\n}\n' % (abi, cap))
        probe.flush()
        return Built(run_parser(parser, '-Q', '-K', '-d', probe.name).stdout).caps


class Built:
    """The capabilities and sockets apparmor_parser -d says it built.

    Its lines read `Capabilities: chown kill`, `Deny Caps: sys_admin`,
    `Network: unix inet { stream raw } packet` (a family alone: every
    type of it; `<all>`: every family) and `Deny Net: ...`.
    """

    def __init__(self, text):
        lines = dict(l.split(':', 1) for l in text.splitlines() if ':' in l)
        self.caps = set(lines.get('Capabilities', '').split()) - set(lines.get('Deny Caps', '').split())
        self.allow_net = self._families(lines.get('Network', ''))
        self.deny_net = self._families(lines.get('Deny Net', ''))

    @staticmethod
    def _families(text):
        words = text.replace('{', ' { ').replace('}', ' } ').split()
        families, i = {}, 0
        while i < len(words):
            family, i = words[i], i + 1
            if i < len(words) and words[i] == '{':
                end = words.index('}', i)
                families[family], i = set(words[i + 1:end]), end + 1
            else:
                families[family] = None  # every type
        return families

    def allows_socket(self, family, kind):
        def has(families):
            if '<all>' in families or (family in families and families[family] is None):
                return True
            return kind in (families.get(family) or set())
        return has(self.allow_net) and not has(self.deny_net)
