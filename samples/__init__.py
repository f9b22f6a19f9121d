"""The sample portfolio generator: seeded, realistic data with planted ground truth.

Small builders (:mod:`samples.organizations`, :mod:`samples.alliances`,
:mod:`samples.funding`, :mod:`samples.activities`, :mod:`samples.people`,
:mod:`samples.assessments`) each add one part of the world; :mod:`samples.generate`
runs them in order and records the truth.
"""

from samples.builder import FOCAL_ID, REFERENCE_DATE, TRUTH_THRESHOLDS, SamplePortfolio
from samples.generate import generate_portfolio
from samples.store import load_sample, write_sample

__all__ = [
    "FOCAL_ID",
    "REFERENCE_DATE",
    "TRUTH_THRESHOLDS",
    "SamplePortfolio",
    "generate_portfolio",
    "load_sample",
    "write_sample",
]
