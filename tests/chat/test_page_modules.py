"""The chat's ES modules load under their hashed names after collectstatic with the production
storage: on the chat page (main.js) and on a shop page with the panel (panel.js), the entry
module and every relative import resolve, through the page's import map, to collected files
that exist."""

import json
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.core.management import call_command

from chat.templatetags.chat_modules import CHAT_MODULES

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
SOURCE = Path(__file__).resolve().parents[2] / "static"
# Static imports and re-exports with a string specifier (the modules use no dynamic import).
IMPORT = re.compile(
    r"""^\s*(?:import|export)\b[^;"']*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']""",
    re.M,
)
HASHED = re.compile(r"\.[0-9a-f]{12}\.js$")


@pytest.fixture
def collected(settings, tmp_path: Path) -> Path:
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    call_command("collectstatic", "--noinput", verbosity=0)
    return tmp_path


def test_the_import_map_lists_every_module_of_the_page() -> None:
    on_disk = sorted(f"chat/{p.name}" for p in (SOURCE / "chat").glob("*.js"))
    assert list(CHAT_MODULES) == on_disk


def _module_graph(page: str, collected: Path, static_url: str) -> tuple[str, set[str]]:
    """The page's entry module and the plain names of every module it loads."""
    import_map = json.loads(
        re.search(r'<script type="importmap">(.*?)</script>', page, re.S).group(1)
    )["imports"]
    entry = re.search(r'<script type="module" src="([^"]+)"', page).group(1)
    assert page.index('type="importmap"') < page.index('type="module"')
    assert page.count('type="module"') == 1

    def collected_file(url: str) -> Path:
        assert HASHED.search(url), f"{url} is not a hashed name"
        path = collected / url.removeprefix(static_url)
        assert path.is_file(), f"{url} was not collected"
        return path

    plain_of = {hashed: plain for plain, hashed in import_map.items()}
    loaded: set[str] = set()
    todo = [entry]
    while todo:
        url = todo.pop()
        if url in loaded:
            continue
        loaded.add(url)
        for match in IMPORT.finditer(collected_file(url).read_text()):
            specifier = match.group(1) or match.group(2)
            assert specifier.startswith("./"), f"{url}: {specifier}"
            plain = urljoin(url, specifier)  # as the browser resolves it, next to the importer
            assert plain in import_map, f"{url} imports {specifier}, which the import map lacks"
            todo.append(import_map[plain])
    return plain_of[entry], {plain_of[url].removeprefix(static_url) for url in loaded}


@pytest.mark.django_db
def test_every_module_import_resolves_to_a_hashed_collected_file(client, collected, settings):
    chat_entry, on_chat = _module_graph(
        client.get("/chat/").content.decode(), collected, settings.STATIC_URL
    )
    panel_entry, on_shop = _module_graph(
        client.get("/").content.decode(), collected, settings.STATIC_URL
    )
    assert chat_entry.endswith("chat/main.js")
    assert panel_entry.endswith("chat/panel.js")
    # The two entries share the chat's modules and between them load all of them.
    assert on_chat | on_shop == set(CHAT_MODULES)
    assert on_chat - on_shop == {"chat/main.js", "chat/sidebar.js"}
    assert on_shop - on_chat == {"chat/panel.js", "chat/panel-state.js"}
