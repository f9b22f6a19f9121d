"""The result of every portfolio analysis: a ranked finding with its evidence.

Nothing is invented: each finding names the node ids and relationship evidence ids
(``source-TYPE->target``) that make it true, and says why in one line.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Category = Literal["synergy", "constraint", "gap"]


class Finding(BaseModel):
    """One synergy, constraint or gap."""

    kind: str = Field(description="what was found, e.g. partner_overlap or coopetition")
    category: Category
    subject: list[str] = Field(description="the ids the finding is about (an alliance, a pair ...)")
    score: float = Field(ge=0, description="strength of the finding; higher ranks first")
    explanation: str
    evidence_nodes: list[str] = Field(default_factory=list)
    evidence_relationships: list[str] = Field(default_factory=list)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "partner_overlap",
                    "category": "synergy",
                    "subject": ["alliance-000", "alliance-001"],
                    "score": 0.31,
                    "explanation": "Aqua Coalition 0 and Verde Partnership 1 share 4 members: their managers should share knowledge",
                    "evidence_nodes": ["alliance-000", "alliance-001", "org-00012"],
                    "evidence_relationships": ["org-00012-MEMBER_OF->alliance-000"],
                }
            ]
        }
    }


def ranked(findings: list[Finding]) -> list[Finding]:
    """Highest score first; ties broken by kind and subject so output is stable."""
    return sorted(findings, key=lambda f: (-f.score, f.kind, f.subject))


def name_of(graph: object, node: str) -> str:
    """A node's name for an explanation (its id when it has none)."""
    nodes = graph.nodes  # type: ignore[attr-defined]
    return str(nodes[node].get("name", node)) if node in nodes else node
