"""Developer and CI tasks. ``nox`` alone runs lint, typecheck, the whole test suite and cfn-lint."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests", "template", "docs"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False

PYTHON = "3.11"


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the library and the Lambda entrypoints."""
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """All test levels: unit, functional (moto in-process), integration (moto server)."""
    session.install("-e", ".[dev]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site; --strict turns broken links and references into failures."""
    session.install("-e", ".[docs,cli]")
    # The theme's end-of-life banner is answered by docs/decisions/0010.
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        "site",
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session(python=PYTHON)
def template(session: nox.Session) -> None:
    """cfn-lint on the SAM template (template.yaml)."""
    session.install("cfn-lint>=1.0")
    session.run("cfn-lint", "template.yaml")


@nox.session(python=PYTHON)
def layer(session: nox.Session) -> None:
    """Lambda layer zips in dist/, one per architecture; prints their sizes (not run by default).

    ``nox -s layer -- --include-boto3`` also bundles boto3; ``-- --arch arm64`` builds one.
    """
    session.run("python", "scripts/build_layer.py", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: print cost and speed figures (never asserted); ``-- --json PATH`` saves them."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "benchmarks.run", *session.posargs)
