"""Knowledge base: the YAML moderators edit, loaded into an immutable, validated snapshot."""

from bot.knowledge.loader import LoadResult, default_knowledge_dir, load_knowledge
from bot.knowledge.problems import Problem
from bot.knowledge.schema import Entry, KnowledgeBase, Platform, Region, Source

__all__ = [
    "Entry",
    "KnowledgeBase",
    "LoadResult",
    "Platform",
    "Problem",
    "Region",
    "Source",
    "default_knowledge_dir",
    "load_knowledge",
]
