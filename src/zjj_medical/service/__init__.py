"""The settlement service over HTTP: :func:`create_app` gives the ASGI application
(FastAPI), ``zjj-medical serve`` runs it with uvicorn.

Needs the optional extra: ``pip install 'zjj_medical[service]'``.
"""

from zjj_medical.service.app import create_app
from zjj_medical.service.problems import ServiceError, problem_body

__all__ = ["ServiceError", "create_app", "problem_body"]
