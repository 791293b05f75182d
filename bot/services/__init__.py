"""The services layer: what the front ends use, on the core and the store, free of Discord.

Keeping the shared knowledge current (live reload, teaching new phrasings, validation with the
render budget, gap reports), the answer log and settings cache, the retention purge, and the
composition root (`Services`) that builds them all once. Plain Python (no discord imports) so
every rule here is tested without a Discord client; the cogs only check permissions and
render the results.
"""

from bot.services.container import KnowledgeError, Services
from bot.services.reloader import KnowledgeService, ReloadReport
from bot.services.teach import TeachError, TeachResult, add_example

__all__ = [
    "KnowledgeError",
    "KnowledgeService",
    "ReloadReport",
    "Services",
    "TeachError",
    "TeachResult",
    "add_example",
]
