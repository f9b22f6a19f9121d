"""Interactive network maps: our own template over the vis-network library that pyvis ships."""

from visualizations.maps import (
    UnknownMapNode,
    alliance_contacts_map,
    build_spec,
    ego_map,
    finding_map,
    path_map,
    portfolio_map,
)
from visualizations.render import ASSET_FILES, ASSETS_DIR, MapSpec, render

__all__ = [
    "ASSETS_DIR",
    "ASSET_FILES",
    "MapSpec",
    "UnknownMapNode",
    "alliance_contacts_map",
    "build_spec",
    "ego_map",
    "finding_map",
    "path_map",
    "portfolio_map",
    "render",
]
