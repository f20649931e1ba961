"""Command line: ``python -m tests.qbo_emulator [options]`` (each option also read from QBO_EMULATOR_*)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from .realms import parse_spec, settings_of
from .sample_company import SampleSize, fill_company
from .server import EmulatorConfig, EmulatorServer

_DEFAULTS = EmulatorConfig()


def _env(name: str, default: str | None) -> str | None:
    return os.environ.get(f"QBO_EMULATOR_{name}", default)


def _flag(name: str) -> bool:
    return (os.environ.get(f"QBO_EMULATOR_{name}") or "").strip().lower() in ("1", "true", "yes", "on")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.qbo_emulator", description="QuickBooks Online emulator (API, OAuth 2.0, webhooks)."
    )
    parser.add_argument("--host", default=_env("HOST", _DEFAULTS.host))
    parser.add_argument(
        "--port", type=int, default=int(_env("PORT", str(_DEFAULTS.port)) or 0), help="0 picks a free port"
    )
    parser.add_argument("--client-id", default=_env("CLIENT_ID", _DEFAULTS.client_id))
    parser.add_argument("--client-secret", default=_env("CLIENT_SECRET", _DEFAULTS.client_secret))
    parser.add_argument("--realm-id", default=_env("REALM_ID", _DEFAULTS.realm_id))
    parser.add_argument("--webhook-url", default=_env("WEBHOOK_URL", None))
    parser.add_argument("--verifier-token", default=_env("VERIFIER_TOKEN", None))
    parser.add_argument(
        "--webhook-format", choices=("cloudevents", "classic"), default=_env("WEBHOOK_FORMAT", _DEFAULTS.webhook_format)
    )
    parser.add_argument("--data", default=_env("DATA", None), help="SQLite file keeping the company across runs")
    parser.add_argument("--no-rate-limit", action="store_true", default=_flag("NO_RATE_LIMIT"))
    parser.add_argument("--company-name", default=_env("COMPANY_NAME", _DEFAULTS.company_name))
    parser.add_argument("--country", default=_env("COUNTRY", _DEFAULTS.country))
    parser.add_argument("--home-currency", default=_env("HOME_CURRENCY", _DEFAULTS.home_currency))
    parser.add_argument(
        "--automated-sales-tax",
        action="store_true",
        default=_flag("AUTOMATED_SALES_TAX"),
        help="US company: automated sales tax (tax code from the ship-to address)",
    )
    parser.add_argument(
        "--no-account-numbers",
        action="store_true",
        default=_flag("NO_ACCOUNT_NUMBERS"),
        help="seed the chart of accounts without account numbers (QuickBooks' own default)",
    )
    parser.add_argument(
        "--redirect-uri-allow",
        default=_env("REDIRECT_URI_ALLOW", _DEFAULTS.redirect_uri_allow),
        help="comma-separated redirect URIs accepted by /connect/oauth2, or ANY",
    )
    parser.add_argument(
        "--issued-secrets-file",
        default=_env("ISSUED_SECRETS_FILE", None),
        metavar="PATH",
        help="test facility: append the client secret, the verifier token and every authorization "
        "code, access token and refresh token issued to PATH (kind<TAB>value lines)",
    )
    parser.add_argument(
        "--add-realm",
        action="append",
        metavar="SPEC",
        default=[part for part in (_env("ADD_REALMS", "") or "").split(";") if part.strip()],
        help="serve another company too: REALM_ID[:PRESET][,key=value...], PRESET one of us, uk, "
        "ca, au, fr (e.g. 9130354000000002:uk); repeatable; QBO_EMULATOR_ADD_REALMS takes "
        "several separated by ';'",
    )
    parser.add_argument(
        "--control-token",
        default=_env("CONTROL_TOKEN", None),
        help="the token of the control API (/_emulator/); default: the one in --control-token-file, else a "
        "new one (printed below, and written to that file)",
    )
    parser.add_argument(
        "--control-token-file",
        default=_env("CONTROL_TOKEN_FILE", None),
        metavar="PATH",
        help="where the control token is kept across restarts (generated at the first start)",
    )
    parser.add_argument(
        "--sample-company",
        type=int,
        default=int(_env("SAMPLE_COMPANY", "") or -1),
        metavar="SEED",
        help="fill the start-up company with a realistic company to import (chart with sub-accounts, customers, "
        "vendors, items, a year of documents, some open); the same seed gives the same company",
    )
    parser.add_argument(
        "--sample-size",
        default=_env("SAMPLE_SIZE", ""),
        metavar="SPEC",
        help="its size: customers=N,vendors=N,items=N,invoices=N,bills=N,entries=N,months=N",
    )
    parser.add_argument("--verbose", action="store_true", default=_flag("VERBOSE"), help="log every request")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        realms = [parse_spec(spec) for spec in args.add_realm]
        for spec in realms:
            settings_of(spec)
    except ValueError as error:
        print(f"--add-realm: {error}", file=sys.stderr)
        return 2
    try:
        sample_size = SampleSize.parse(args.sample_size)
    except ValueError as error:
        print(f"--sample-size: {error}", file=sys.stderr)
        return 2
    ids = [args.realm_id, *(spec["realmId"] for spec in realms)]
    if len(set(ids)) != len(ids):
        print(f"--add-realm: realm ids must differ (got {', '.join(ids)})", file=sys.stderr)
        return 2
    server = EmulatorServer(
        host=args.host,
        port=args.port,
        client_id=args.client_id,
        client_secret=args.client_secret,
        realm_id=args.realm_id,
        webhook_url=args.webhook_url,
        verifier_token=args.verifier_token,
        webhook_format=args.webhook_format,
        rate_limit=not args.no_rate_limit,
        data_file=args.data,
        company_name=args.company_name,
        country=args.country,
        home_currency=args.home_currency,
        automated_sales_tax=args.automated_sales_tax,
        redirect_uri_allow=args.redirect_uri_allow,
        quiet=not args.verbose,
        settings={"account_numbers": not args.no_account_numbers},
        issued_secrets_file=args.issued_secrets_file,
        realms=realms,
        control_token=args.control_token,
        control_token_file=args.control_token_file,
    )
    server.start()
    if args.sample_company >= 0:
        created = fill_company(server.emulator.company, args.sample_company, sample_size)
        print(f"sample company {args.sample_company}: {created}", flush=True)
    url = server.url
    lines = [
        "QuickBooks Online emulator",
        f"host: {args.host}",
        f"port: {server.port}",
        f"client id: {args.client_id}",
        f"client secret: {args.client_secret}",
        f"realm id: {args.realm_id}",
        f"webhook url: {args.webhook_url or '(none)'}",
        f"webhook format: {args.webhook_format}",
        f"verifier token: {'(set)' if args.verifier_token else '(none)'}",
        f"rate limit: {'off' if args.no_rate_limit else 'on'}",
        f"data file: {args.data or '(in memory)'}",
        f"company: {args.company_name} ({args.country.upper()}, {args.home_currency.upper()})",
        f"automated sales tax: {'on' if args.automated_sales_tax else 'off'}",
        f"account numbers: {'off' if args.no_account_numbers else 'on'}",
        f"redirect uris allowed: {args.redirect_uri_allow}",
        f"issued secrets file: {args.issued_secrets_file or '(none)'}",
        f"base url: {url}",
        f"api base url: {url}/v3/company/{args.realm_id}",
        "other realms: "
        + (
            ", ".join(
                f"{realm['realmId']} ({realm['company_name']}, {realm['country']}, {realm['home_currency']})"
                for realm in server.realms()[1:]
            )
            or "(none)"
        ),
        f"authorize url: {url}/connect/oauth2",
        f"token url: {url}/oauth2/v1/tokens/bearer",
        f"revoke url: {url}/v2/oauth2/tokens/revoke",
        f"control url: {url}/_emulator/",
        f"control token: {server.control_token}",
        f"control token file: {args.control_token_file or '(none)'}",
    ]
    print("\n".join(lines), flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # docker stop: shut down cleanly (the data file is closed)
    try:
        server._thread.join()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
