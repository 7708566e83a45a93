"""Command line for submissions: validate, ingest, template, users, publish, withdraw, submissions, migrate.

``COMMANDS`` plugs them into ``python -m etl`` (etl/cli.py); ``register(subparsers)`` adds them to
any argparse parser; ``main`` runs them on their own (``python -m etl.submissions``). Every command
that touches the registry takes ``--registry`` (default ``$ATLAS_REGISTRY`` or ``data/registry``); its
database is ``$ATLAS_REGISTRY_URL`` when set (PostgreSQL), else ``registry.sqlite`` in that directory.
``migrate`` shows the schema's current and head revisions (Alembic) and upgrades it.
The command line is for operators who already have access to the registry directory: ``--user``
names the account the action is recorded under and whose rights are checked; the atlas page, open
to focal points, asks for the password.

Exit status: 0 done, 1 the file has errors (the report lists them), 2 a bad argument or a file that
is no CSV or XLSX at all (one line on standard error, in Spanish and English: what, where, how to
fix; never a traceback), 3 refused (rights, unknown version).
"""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import sys
from pathlib import Path

from etl.cli import Command
from etl.store import registry_dir
from etl.submissions.auth import ROLES, PermissionRefused
from etl.submissions.registry import REGISTRY_ERRORS, PublishFailed, Registry, VersionNotFound
from etl.submissions.report import InputError, MessageError, Problem, Report, format_report
from etl.submissions.spec import load_spec
from etl.submissions.templates import FORMATS, write_template
from etl.submissions.validate import check_country_code, validate_submission

EXIT_INVALID, EXIT_REFUSED, EXIT_USAGE = 1, 3, 2
STORED = {
    "es": "Guardado como {submission} versión {version}, pendiente de publicación.",
    "en": "Stored as {submission} version {version}, awaiting publication.",
}
NOT_STORED = {"es": "No se guardó nada.", "en": "Nothing was stored."}
# Problems that mean the file is no submission at all: the command stops as for a bad argument.
UNREADABLE = ("file_empty", "file_type_unsupported", "file_not_text", "xlsx_unreadable")


def _one_line_errors(parser: argparse.ArgumentParser) -> None:
    """Make ``parser`` report a bad argument on one line, in Spanish and English, with exit status 2."""

    def error(message: str) -> None:
        print_error(InputError("arguments_invalid", prog=parser.prog, detail=message))
        sys.exit(EXIT_USAGE)

    parser.error = error


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--registry", type=Path, default=None, help="registry directory (default $ATLAS_REGISTRY or data/registry)"
    )


def _lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("es", "en"), default="es", help="language of the report (default es)")


def _configure_validate(p: argparse.ArgumentParser) -> None:
    _one_line_errors(p)
    p.add_argument("file", type=Path)
    p.add_argument("--country", required=True, help="ISO3 code of the submitting country")
    p.add_argument(
        "--kind", choices=sorted(load_spec().kinds), help="template to check against (default: from the file)"
    )
    _lang(p)


def _configure_ingest(p: argparse.ArgumentParser) -> None:
    _one_line_errors(p)
    p.add_argument("file", type=Path)
    p.add_argument("--country", required=True, help="ISO3 code of the submitting country")
    p.add_argument("--user", required=True, help="focal-point account the submission is recorded under")
    p.add_argument("--submission", help="add a version to this submission (default: a new submission)")
    p.add_argument("--kind", choices=sorted(load_spec().kinds))
    _lang(p)
    _common(p)


def _configure_template(p: argparse.ArgumentParser) -> None:
    _one_line_errors(p)
    p.add_argument("kind", choices=sorted(load_spec().kinds))
    p.add_argument("--lang", choices=("es", "en"), required=True)
    p.add_argument("--format", choices=FORMATS, default="xlsx")
    p.add_argument("--country", help="prefill the country (and list its admin-1 codes)")
    p.add_argument("--out", type=Path, default=Path("."), help="file or directory (default: current directory)")


def _configure_users(p: argparse.ArgumentParser) -> None:
    _one_line_errors(p)
    users = p.add_subparsers(dest="users_command", required=True, metavar="action")
    add = users.add_parser("add", help="create an account (asks for the password)")
    _one_line_errors(add)
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--country", help="ISO3 code (focal_point only)")
    add.add_argument("--name", default="", help="full name")
    add.add_argument("--email", default="")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    _common(add)
    add.set_defaults(users_handler=cmd_users_add)
    listing = users.add_parser("list", help="list accounts (never their passwords)")
    _one_line_errors(listing)
    _common(listing)
    listing.set_defaults(users_handler=cmd_users_list)
    passwd = users.add_parser("passwd", help="set a new password")
    _one_line_errors(passwd)
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    _common(passwd)
    passwd.set_defaults(users_handler=cmd_users_passwd)
    for name, help_text, handler in (
        ("unlock", "lift the lockout after too many failed sign-ins", cmd_users_unlock),
        ("deactivate", "deactivate an account (its open sessions end at their next action)", cmd_users_deactivate),
        ("activate", "reactivate an account", cmd_users_activate),
    ):
        sub = users.add_parser(name, help=help_text)
        _one_line_errors(sub)
        sub.add_argument("username")
        _common(sub)
        sub.set_defaults(users_handler=handler)


def _configure_status_change(p: argparse.ArgumentParser) -> None:
    _one_line_errors(p)
    p.add_argument("submission")
    p.add_argument("--version", type=int, required=True)
    p.add_argument("--user", required=True, help="regional-administrator account")
    _lang(p)
    _common(p)


def _configure_list(p: argparse.ArgumentParser) -> None:
    _one_line_errors(p)
    p.add_argument("--country")
    _common(p)


def _configure_migrate(p: argparse.ArgumentParser) -> None:
    _one_line_errors(p)
    p.add_argument("--check", action="store_true", help="only show the revisions (exit 1 when an upgrade is due)")
    _common(p)


def read_input(path: Path) -> bytes:
    """The bytes of a submission file given on the command line; ``InputError`` says why not."""
    if not path.exists():
        raise InputError("input_missing" if not path.is_symlink() else "input_not_a_file", path=path)
    if path.is_dir():
        raise InputError("input_is_directory", path=path)
    if not path.is_file():
        raise InputError("input_not_a_file", path=path)
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError("input_unreadable", path=path, reason=err.strerror or type(err).__name__) from None


def open_registry(path: Path | None) -> Registry:
    """The registry at ``path`` (default ``$ATLAS_REGISTRY`` or data/registry); ``InputError`` if it is a file."""
    registry = Registry(path)
    if registry.path.exists() and not registry.path.is_dir():
        raise InputError("registry_not_a_directory", path=registry.path)
    return registry


class UnreadableFile(Exception):
    """A file that is no submission at all: its one problem, printed like a bad argument."""

    def __init__(self, problem: Problem, path: Path):
        super().__init__(problem.message("en"))
        self.problem, self.path = problem, path

    def message(self, lang: str) -> str:
        return f"{self.path}: {self.problem.message(lang)}"

    def fix(self, lang: str) -> str:
        return self.problem.fix(lang)


def check_readable(report: Report, path: Path) -> None:
    """Stop as for a bad argument when the file is no CSV or XLSX at all (one problem says what it is)."""
    problem = next((p for p in report.errors if p.code in UNREADABLE), None)
    if problem is not None:
        raise UnreadableFile(problem, path)


def cmd_validate(args: argparse.Namespace) -> int:
    validation = validate_submission(read_input(args.file), args.file.name, args.country, args.kind)
    check_readable(validation.report, args.file)
    print(format_report(validation.report, args.lang))
    return 0 if validation.valid else EXIT_INVALID


def cmd_ingest(args: argparse.Namespace) -> int:
    data = read_input(args.file)
    registry = open_registry(args.registry)
    try:
        account = registry.account(args.user)
        result = registry.ingest(
            data, args.file.name, args.country, account, submission_id=args.submission, kind=args.kind
        )
    except PermissionRefused as err:
        print(f"{err.message(args.lang)}\n    {err.fix(args.lang)}", file=sys.stderr)
        return EXIT_REFUSED
    check_readable(result.validation.report, args.file)
    print(format_report(result.validation.report, args.lang))
    if not result.stored:
        print(NOT_STORED[args.lang])
        return EXIT_INVALID
    print(STORED[args.lang].format(submission=result.submission_id, version=result.version))
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    country = check_country_code(args.country) if args.country else None
    try:
        out = write_template(args.kind, args.lang, args.format, args.out, country)
    except OSError as err:
        raise InputError(
            "output_unwritable", path=err.filename or args.out, reason=err.strerror or type(err).__name__
        ) from None
    print(out)
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    try:
        first = getpass.getpass("Password / contraseña: ")
        again = getpass.getpass("Repeat / repita: ")
    except EOFError:
        print(file=sys.stderr)  # end the prompt's line: the error goes on a line of its own
        raise InputError("password_missing") from None
    if again != first:
        raise InputError("passwords_differ")
    return first


def cmd_users_add(args: argparse.Namespace) -> int:
    account = open_registry(args.registry).add_account(
        args.username, _read_password(args), args.role, args.country, args.name, args.email
    )
    print(f"account {account.username} ({account.role}{', ' + account.country if account.country else ''}) created")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    accounts = open_registry(args.registry).accounts()
    print(accounts.to_string(index=False) if len(accounts) else "no accounts yet: create one with `users add`")
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    open_registry(args.registry).set_password(args.username, _read_password(args))
    print(f"password of {args.username} changed")
    return 0


def cmd_users_unlock(args: argparse.Namespace) -> int:
    open_registry(args.registry).unlock(args.username)
    print(f"{args.username}: unlocked (failed sign-ins forgotten)")
    return 0


def cmd_users_deactivate(args: argparse.Namespace) -> int:
    open_registry(args.registry).set_active(args.username, False)
    print(f"{args.username}: deactivated")
    return 0


def cmd_users_activate(args: argparse.Namespace) -> int:
    open_registry(args.registry).set_active(args.username, True)
    print(f"{args.username}: activated")
    return 0


def _status_change(args: argparse.Namespace, action: str) -> int:
    registry = open_registry(args.registry)
    try:
        account = registry.account(args.user)
        getattr(registry, action)(args.submission, args.version, account)
    except (PermissionRefused, VersionNotFound, PublishFailed) as err:
        print(f"{err.message(args.lang)}\n    {err.fix(args.lang)}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"{args.submission} v{args.version}: {'published' if action == 'publish' else 'withdrawn'}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    return _status_change(args, "publish")


def cmd_withdraw(args: argparse.Namespace) -> int:
    return _status_change(args, "withdraw")


def cmd_list(args: argparse.Namespace) -> int:
    versions = open_registry(args.registry).versions(check_country_code(args.country) if args.country else None)
    cols = ["submission_id", "version", "status", "row_count", "file_name", "submitted_by", "submitted_at"]
    print(versions[cols].to_string(index=False) if len(versions) else "no submissions yet")
    return 0


def describe_revision(current: str | None, legacy: str | None) -> str:
    if current:
        return current
    if legacy:
        return f"none: made before Alembic, at {legacy} by its columns (stamped {legacy}, then upgraded)"
    return "none: no tables yet (created by the upgrade)"


def cmd_migrate(args: argparse.Namespace) -> int:
    """Show the registry schema's current and head revisions; upgrade it (under the writer lock) unless --check."""
    registry = open_registry(args.registry)
    current, legacy, head = registry.schema_status()
    print(f"registry database: {registry.database}")
    print(f"current revision:  {describe_revision(current, legacy)}")
    print(f"head revision:     {head}")
    if current == head:
        print("up to date")
        return 0
    if args.check:
        print("an upgrade is due: run without --check")
        return EXIT_INVALID
    print(f"upgraded to {registry.upgrade()}")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    return args.users_handler(args)


def format_error(err: MessageError | UnreadableFile) -> str:
    """One line: what is wrong and how to fix it, in Spanish, then in English."""
    return " | ".join(f"{err.message(lang)} {err.fix(lang)}" for lang in ("es", "en"))


def print_error(err: MessageError | UnreadableFile) -> None:
    print(f"error: {format_error(err)}", file=sys.stderr)


def _registry_error(args: argparse.Namespace, err: Exception) -> InputError:
    path = getattr(args, "registry", None) or registry_dir()
    reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
    return InputError("registry_unusable", path=path, reason=reason)


def guarded(run):
    """A command that ends a bad argument or an unusable file with one bilingual line and status 2.

    Never a traceback: bad paths, country codes, accounts and passwords are ``InputError``; a
    file that is no CSV or XLSX is ``UnreadableFile``; what the registry directory refuses
    (a file where a directory should be, no permission, not an SQLite database) is reported
    against ``--registry``. Output cut short by a closed pipe (``| head``) ends quietly.
    """

    def wrapped(args: argparse.Namespace) -> int:
        prog = f"python -m etl {getattr(args, 'command', '')}".strip()
        try:
            return run(args)
        except (MessageError, UnreadableFile) as err:
            print_error(err)
            return EXIT_REFUSED if isinstance(err, (PermissionRefused, VersionNotFound)) else EXIT_USAGE
        except REGISTRY_ERRORS as err:
            if isinstance(err, BrokenPipeError) or getattr(err, "errno", None) == errno.EPIPE:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
                return EXIT_INVALID
            print_error(
                _registry_error(args, err)
                if hasattr(args, "registry")
                else InputError("arguments_invalid", prog=prog, detail=getattr(err, "strerror", None) or err)
            )
        except ValueError as err:  # a caller mistake no message code names yet: still one line
            print_error(InputError("arguments_invalid", prog=prog, detail=str(err)))
        return EXIT_USAGE

    wrapped.__doc__ = run.__doc__
    return wrapped


# For ``python -m etl`` (etl/cli.py): one line in etl/__main__.py's COMMAND_MODULES registers these.
COMMANDS = [
    Command(
        "validate",
        "check a submission file and print every problem (exit 1 on errors)",
        guarded(cmd_validate),
        _configure_validate,
    ),
    Command(
        "ingest", "validate a file and store it whole as a new draft version", guarded(cmd_ingest), _configure_ingest
    ),
    Command(
        "template",
        "write an empty submission template (CSV or XLSX, es or en)",
        guarded(cmd_template),
        _configure_template,
    ),
    Command(
        "users",
        "manage submission accounts: add, list, passwd, unlock, deactivate, activate",
        guarded(cmd_users),
        _configure_users,
    ),
    Command("publish", "make a submission version public", guarded(cmd_publish), _configure_status_change),
    Command(
        "withdraw", "take a submission version out of the public atlas", guarded(cmd_withdraw), _configure_status_change
    ),
    Command("submissions", "list submissions and versions with their status", guarded(cmd_list), _configure_list),
    Command(
        "migrate",
        "show the registry schema's current and head revisions and upgrade it (Alembic)",
        guarded(cmd_migrate),
        _configure_migrate,
    ),
]


def register(subparsers) -> None:
    """Add every submission command to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    for command in COMMANDS:
        parser = subparsers.add_parser(command.name, help=command.help, description=command.help)
        command.configure(parser)
        parser.set_defaults(handler=command.run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl.submissions", description=__doc__.splitlines()[0])
    register(parser.add_subparsers(dest="command", required=True, metavar="command"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)
