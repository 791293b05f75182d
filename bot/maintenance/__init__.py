"""Keeping the shared knowledge current: live reload, teaching new phrasings, gap reports.

Plain Python (no discord imports) so every rule here is tested without a Discord client; the
cogs in ``bot.cogs.kb`` only check permissions and render the results.
"""

from bot.maintenance.reloader import KnowledgeService, ReloadReport
from bot.maintenance.teach import TeachError, TeachResult, add_example

__all__ = ["KnowledgeService", "ReloadReport", "TeachError", "TeachResult", "add_example"]
