"""The `igviz` command: serve the pages, check data folders, write a scenario's report.

    igviz serve [--data DIR ...] [--db URL] [--port N] [--address A]
    igviz check [DIR ...]
    igviz report SCENARIO -o FILE [--data DIR ...]
    igviz --version

Also `python -m igviz ...`. Each subcommand answers a mistake with a message and exit code 1
(2 for a command line argparse cannot read), never with a traceback.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from . import __version__
from .joinlink import LISTEN_VARIABLE, PUBLIC_URL_VARIABLE, check_public_url, outward_address, public_url

DEFAULT_PORT = 5006

DATA_HELP = (
    "A data folder (same layout as the bundled data/). Give several to combine them: the first is the "
    "dataset, each later one adds its frameworks, proposals, sources and overlays (an id used twice is an "
    "error). The word 'bundled' names the data shipped with igviz, so `--data bundled my_data/` adds "
    "your own proposals to it. Default: the bundled data.")

SERVE_EPILOG = """\
Pages: /explorer (also at /), /participant, /facilitator and the light page /lite, with every
script and style served by this process (no internet needed). Every page, and every workshop's
results, use the --data folders.

Workshops are kept in the database given by --db, else IGVIZ_DATABASE_URL, else the SQLite
file igviz-workshops.sqlite in the current directory. Set IGVIZ_ORGANISER_KEY to make the
facilitator page ask for that key before it creates a workshop. A server that listens beyond this
machine (--address other than localhost) needs one, and will not start without it unless you pass
--no-organiser-key. Wrong keys are slowed down (a few tries per address, then one every 30 s).
A workshop takes at most 500 participants unless IGVIZ_MAX_PARTICIPANTS says otherwise; joins
and submissions are rate-limited per address and per workshop (IGVIZ_LIMIT_* variables, see
igviz/workshop/limits.py; a room of 1,000 arriving at once needs IGVIZ_LIMIT_JOIN_PER_WORKSHOP=1000/600).

Examples:
  igviz serve
  igviz serve --data bundled ~/my_proposals --db workshops.sqlite
  IGVIZ_ORGANISER_KEY=room-42-key igviz serve --address 0.0.0.0 --port 8080
                                                   # participants join from their own devices
  igviz serve --db postgresql+psycopg://igviz@db/igviz --port 5006 --behind-proxy \
      --allow-websocket-origin igviz.example.org   # one of several processes behind nginx
                                                   # (the recipe is in deploy/nginx.conf)
"""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 1
    return args.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="igviz", description="Evaluate Internet governance reform proposals against weighted criteria.")
    parser.add_argument("--version", action="version", version=f"igviz {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="serve the explorer, the workshop pages and the light page",
        description="Serve every igviz page on one data set.", epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--data", nargs="+", metavar="DIR", default=[], help=DATA_HELP)
    serve.add_argument("--db", metavar="URL",
                       help="where workshops are kept: a SQLAlchemy URL (sqlite:///file.sqlite, "
                            "postgresql+psycopg://user:password@host/db) or a SQLite file's path. "
                            "Replaces IGVIZ_DATABASE_URL.")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    serve.add_argument("--address", metavar="A",
                       help="address to listen on (default: this machine only); 0.0.0.0 for every network "
                            "interface, so that participants can join from their own devices")
    serve.add_argument("--public-url", metavar="URL",
                       help="the address participants open, shown as the join link and QR code (e.g. behind a "
                            "reverse proxy: https://igviz.example.org); default: this machine's network address. "
                            f"Also read from {PUBLIC_URL_VARIABLE}")
    serve.add_argument("--allow-websocket-origin", nargs="+", metavar="HOST[:PORT]", default=[],
                       dest="websocket_origins",
                       help="host names browsers may reach this server by, e.g. igviz.example.org behind a "
                            "proxy (default: localhost, plus this machine's names and addresses with "
                            "--address 0.0.0.0)")
    serve.add_argument("--behind-proxy", action="store_true",
                       help="the server sits behind a reverse proxy (e.g. nginx: deploy/nginx.conf) that sets "
                            "X-Real-IP / X-Forwarded-For: take each participant's address from those headers, so "
                            "that the per-address rate limits count phones, not the proxy. Only with a proxy in "
                            "front: otherwise any client could claim any address")
    serve.add_argument("--prefix", metavar="PATH", default="",
                       help="serve every page under this path, e.g. /igviz behind a reverse proxy that passes "
                            "https://example.org/igviz/... on unchanged (deploy/nginx.conf): /igviz/lite, "
                            "/igviz/facilitator, their static files and websockets")
    serve.add_argument("--no-organiser-key", action="store_true",
                       help="let anyone who reaches /facilitator create workshops even when the server listens "
                            "beyond this machine (by default IGVIZ_ORGANISER_KEY is then required)")
    serve.set_defaults(run=_serve)

    check = commands.add_parser(
        "check", help="check data folders and list what they hold",
        description="Check data folders: every problem is listed with its file, record and field. "
                    "Exit code 0 when the data is valid, 1 otherwise.")
    check.add_argument("folders", nargs="*", metavar="DIR",
                       help="data folders, combined as for `igviz serve --data` (default: the bundled data)")
    check.set_defaults(run=_check)

    report = commands.add_parser(
        "report", help="write a scenario's report as one offline HTML file",
        description="Write the report of a scenario file (YAML or JSON, as saved by Scenario.save or the "
                    "explorer) as one HTML file that opens offline.")
    report.add_argument("scenario", metavar="SCENARIO", help="the scenario file")
    report.add_argument("-o", "--output", required=True, metavar="FILE", help="the HTML file to write")
    report.add_argument("--data", nargs="+", metavar="DIR", default=[], help=DATA_HELP)
    report.add_argument("--title", help="the report's title (default: from the framework)")
    report.set_defaults(run=_report)

    translations = commands.add_parser(
        "translations", help="list the data texts a language still lacks, ready to fill in",
        description="Print, for each language, the data's user-facing texts without a translation, as YAML to "
                    "paste into data/translations/<language>.yaml and fill in. Exit code 0 when nothing is missing.")
    translations.add_argument("languages", nargs="*", metavar="LANG", help="e.g. fr es (default: every language)")
    translations.add_argument("--data", nargs="+", metavar="DIR", default=[], help=DATA_HELP)
    translations.set_defaults(run=_translations)
    return parser


# -- igviz translations -------------------------------------------------------------------------

def _translations(args) -> int:
    from . import load_dataset
    from .datatext import missing_data_translations, translation_template
    from .i18n import DEFAULT_LANGUAGE, LANGUAGES
    from .pages.served import data_folders

    data = load_dataset(*data_folders(args.data))
    missing = 0
    for lang in args.languages or [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]:
        count = len(missing_data_translations(data, lang))
        missing += count
        print(f"# {lang}: {count} missing")
        print(translation_template(data, lang))
    return 1 if missing else 0


# -- igviz check --------------------------------------------------------------------------------

def _check(args) -> int:
    from .dataset.check import check
    from .pages.served import data_folders

    return check(data_folders(args.folders))


# -- igviz report -------------------------------------------------------------------------------

def _report(args) -> int:
    from .errors import DataValidationError
    from . import load_dataset
    from .model import Assessment
    from .pages.served import data_folders
    from .scenario import Scenario

    try:
        data = load_dataset(*data_folders(args.data))
        scenario = Scenario.load(args.scenario, data)
    except DataValidationError as exc:
        print(exc, file=sys.stderr)
        return 1
    from .pages.report import write_report

    a = Assessment(data)
    scenario.apply(a)
    try:
        path = write_report(a, args.output, title=args.title)
    except OSError as exc:
        print(f"Cannot write the report to {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Wrote {path}")
    return 0


# -- igviz serve --------------------------------------------------------------------------------

def database_url_from(value: str) -> str:
    """A SQLAlchemy URL as given, or a SQLite file's path made into one."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _serve(args) -> int:
    from .errors import DataValidationError
    from .pages.served import served_folders, use_data
    from .workshop.store import DATABASE_URL_VARIABLE, max_participants, organiser_key, shared_store

    if args.db:
        # Through the variable every page already reads (and any worker process inherits).
        os.environ[DATABASE_URL_VARIABLE] = database_url_from(args.db)
    if not organiser_key() and not args.no_organiser_key and not loopback(args.address):
        # Others can reach this server: without a key anyone could create workshops by the hundred.
        print(f"igviz serve: --address {args.address} lets other machines reach this server, so creating a "
              "workshop needs an organiser key. Set one, e.g.\n"
              "  export IGVIZ_ORGANISER_KEY=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')\"\n"
              "and give it to the facilitators; or pass --no-organiser-key to let anyone who reaches "
              "/facilitator create workshops. Nothing is served.", file=sys.stderr)
        return 1
    try:
        max_participants()
    except ValueError as exc:
        print(f"igviz serve: {exc}", file=sys.stderr)
        return 2
    try:
        public = check_public_url(args.public_url) if args.public_url else public_url()
    except ValueError as exc:
        print(f"igviz serve: --public-url / {PUBLIC_URL_VARIABLE}: {exc}", file=sys.stderr)
        return 2
    if public:
        os.environ[PUBLIC_URL_VARIABLE] = public
    # The facilitator page offers this machine's network address as the join link only where phones can reach it.
    os.environ[LISTEN_VARIABLE] = args.address or "localhost"
    try:
        data = use_data(*args.data)  # checked before the port opens: a broken folder never half-serves
    except DataValidationError as exc:
        print(f"igviz serve: the data has problems, nothing is served.\n{exc}", file=sys.stderr)
        return 1
    try:
        store = shared_store()  # opens (or creates) the database now, so a wrong URL is said at once
    except Exception as exc:  # noqa: BLE001 - a driver's own error type; the message is what helps
        # The driver's own words (DatabaseUnavailable speaks to participants; whoever runs the server needs the cause).
        print(f"igviz serve: cannot open the workshop database {_safe_url()}: {exc.__cause__ or exc}", file=sys.stderr)
        return 1
    del store

    from .pages.server import make_server, normal_prefix

    try:
        prefix = normal_prefix(args.prefix)
    except ValueError as exc:
        print(f"igviz serve: --prefix: {exc}", file=sys.stderr)
        return 2

    hosts = _hosts(args.address)
    origins = list(args.websocket_origins) or [f"{h}:{args.port}" for h in hosts]
    try:
        server = make_server(port=args.port, address=args.address, websocket_origins=origins, prefix=prefix,
                             http_server_kwargs={"xheaders": True} if args.behind_proxy else {})
    except OSError as exc:
        print(f"igviz serve: cannot listen on {args.address or 'localhost'}:{args.port}: {exc.strerror or exc}. "
              f"Is another server using that port? Try --port {args.port + 1}.", file=sys.stderr)
        return 1
    base = f"http://{hosts[-1]}:{args.port}{prefix}"
    join_base = public or base
    folders = ", ".join(map(str, served_folders()))
    key = ("the facilitator page asks for IGVIZ_ORGANISER_KEY before it creates a workshop" if organiser_key()
           else "anyone who can open /facilitator can create one (set IGVIZ_ORGANISER_KEY to require a key)")
    print(f"igviz {__version__} is serving {len(data.proposals)} proposals from {folders}\n"
          f"  Explorer (projector, analysts): {base}/explorer\n"
          f"  Facilitator (create and run a workshop): {base}/facilitator\n"
          f"  Participants join at: {join_base}/lite (made for phones; works without JavaScript)\n"
          f"  Full participant page, with charts to compare proposals (laptops): {base}/participant\n"
          f"Workshops are kept in {_safe_url()}; {key}.\n"
          + ("Only this machine can open these pages; to let participants join from their own devices, "
             "serve with --address 0.0.0.0 and IGVIZ_ORGANISER_KEY set.\n" if args.address in (None, "localhost", "127.0.0.1", "::1") else "")
          + "Press Ctrl+C to stop.", flush=True)
    try:
        server.start()
        server.io_loop.start()
    except KeyboardInterrupt:
        print("\nigviz serve: stopped.")
    return 0


def loopback(address: str | None) -> bool:
    """Whether a server listening on `address` can be reached from this machine only."""
    import ipaddress

    if address in (None, "localhost"):
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def _safe_url() -> str:
    """The database URL with any password hidden: the start message may be on a projector."""
    from sqlalchemy.engine import make_url

    from .workshop.store import database_url

    try:
        return make_url(database_url()).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy can read: shown without its credentials part
        url = database_url()
        return url.split("@", 1)[-1] if "@" in url else url


def _hosts(address: str | None) -> list[str]:
    """Names browsers may use for this server, the one to announce last: localhost, the address
    given, or with every interface this machine's name and network address (a phone reaches it so)."""
    if address in (None, "localhost"):
        return ["127.0.0.1", "localhost"]
    if address not in ("0.0.0.0", "::", ""):
        return list(dict.fromkeys(["127.0.0.1", "localhost", address]))
    names = ["127.0.0.1", "localhost", socket.gethostname()]
    try:
        names += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
                  if not info[4][0].startswith("127.")]
    except OSError:
        pass
    outward = outward_address()
    names = [n for n in names if n != outward] + ([outward] if outward else [])
    return list(dict.fromkeys(names))


if __name__ == "__main__":
    sys.exit(main())
