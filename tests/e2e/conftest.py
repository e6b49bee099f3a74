import os

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def navigateur():
    """Playwright's sync API runs an event loop in the test thread, where the test also uses
    the ORM: Django's async guard is lifted for the browser tests only."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium absent : lancez les tests par « make test » qui l'installe.")
    avant = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        navigateur = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield navigateur
        navigateur.close()
    if avant is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = avant


@pytest.fixture
def page(navigateur):
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    yield page
    contexte.close()
