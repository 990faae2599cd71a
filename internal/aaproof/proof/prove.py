"""prove.py PARSER PROFILE INDEX < INSPECT_JSON

Proves, with AppArmor's own tools, that the profile in the file PROFILE
grants the container at INDEX of the engine's inspect output what it
needs and nothing more. Prints {"failures": [...], "decisions": N,
"rules": N} as JSON; exits 2 when the inspect output cannot be read, 3
when python3-apparmor is missing.
"""

import json
import sys

try:
    import apparmor.aa  # noqa: F401 (only whether it is there)
except ImportError as e:
    print('python3-apparmor is not installed (%s)' % e, file=sys.stderr)
    sys.exit(3)

import checks
import container
import rules


def main(parser, path, index):
    try:
        ctr = container.read(sys.stdin.read(), int(index))
    except container.InputError as e:
        print(e, file=sys.stderr)
        sys.exit(2)
    try:
        profile = rules.Profile(parser, path)
    except rules.ProfileError as e:
        json.dump({'failures': [str(e)], 'decisions': 0, 'rules': 0}, sys.stdout)
        return
    report = checks.prove(profile, ctr)
    json.dump({'failures': report.failures, 'decisions': report.decisions, 'rules': profile.rule_count}, sys.stdout)


if __name__ == '__main__':
    main(*sys.argv[1:])
