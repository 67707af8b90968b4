"""Applicant web chat (Gradio): ``build_app(service, feedback_store)`` and ``launch(service, host, port)``."""

from web.app import build_app, feedback_store_for, launch, launch_options
from web.feedback import FeedbackStore, export_gold_candidates

__all__ = ["FeedbackStore", "build_app", "export_gold_candidates", "feedback_store_for", "launch", "launch_options"]
