"""Check the registered claims against simulation (placeholder until the verify issue lands)."""


def add_arguments(parser):
    parser.add_argument("--quick", action="store_true", help="CI-sized run")


def run(args) -> int:
    print("w2s-verifier: claim checking not yet implemented")
    return 0
