"""The chat's ES modules under the names the static files storage gives them, and the
settings of the assistant's panel on the shop's pages.

A module imports its siblings by plain relative names (`./store.js`), which the browser
resolves next to the importing file. With a hashing storage (ManifestStaticFilesStorage) the
files are served as `store.<hash>.js`, so the page carries an import map from each plain URL
to the stored one. It works with any storage; with an unhashing one the map is the identity.
"""

import json

from django import template
from django.conf import settings
from django.templatetags.static import PrefixNode, static
from django.urls import reverse
from django.utils.html import json_script
from django.utils.safestring import SafeString, mark_safe

from chat.routing import WEBSOCKET_PREFIX

register = template.Library()

# Every module of static/chat/ (tests/chat/test_page_modules.py fails on a missing one).
# main.js is the entry of the full chat page, panel.js that of the panel on the other pages.
CHAT_MODULES = (
    "chat/actions.js",
    "chat/api.js",
    "chat/branch-controls.js",
    "chat/branches.js",
    "chat/cards.js",
    "chat/chat.js",
    "chat/composer.js",
    "chat/feedback-controls.js",
    "chat/feedback.js",
    "chat/icons.js",
    "chat/main.js",
    "chat/markdown.js",
    "chat/messages.js",
    "chat/panel-state.js",
    "chat/panel.js",
    "chat/sidebar.js",
    "chat/socket.js",
    "chat/state.js",
    "chat/store.js",
    "chat/text.js",
)


@register.simple_tag
def chat_import_map() -> SafeString:
    prefix = PrefixNode.handle_simple("STATIC_URL")
    imports = {prefix + name: static(name) for name in CHAT_MODULES}
    body = json.dumps({"imports": imports}, indent=1).replace("<", "\\u003c")
    return mark_safe(f'<script type="importmap">\n{body}\n</script>')


@register.simple_tag
def chat_panel_config() -> SafeString:
    """The panel's addresses and limits (the chat page's view gives the page its own)."""
    config = {
        "apiBase": reverse("chat:conversations"),
        "wsPath": WEBSOCKET_PREFIX,
        "chatPath": reverse("chat:page"),
        "maxLength": settings.CHAT_MAX_MESSAGE_CHARS,
        "feedbackReasons": settings.CHAT_FEEDBACK_REASONS,
    }
    return json_script(config, "chat-panel-config")


@register.simple_tag
def chat_starters() -> list[str]:
    """The starter questions of an empty conversation (CHAT_STARTER_PROMPTS, at most four)."""
    return list(settings.CHAT_STARTER_PROMPTS[:4])
