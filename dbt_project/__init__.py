"""The dbt project, shipped inside the dialsync distribution so installs find it."""

from pathlib import Path

DBT_PROJECT_DIR = Path(__file__).resolve().parent
