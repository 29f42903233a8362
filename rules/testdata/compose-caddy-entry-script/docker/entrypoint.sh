#!/bin/bash
set -e

echo "Running database migrations..."
alembic upgrade head

# One worker, so that the scheduler runs once.
exec uvicorn src.main:app \
    --host 0.0.0.0 \
    --port 8001 \
    --workers 1
