# The AllianceGraph API image (used by docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY api ./api
COPY loaders ./loaders
COPY queries ./queries
COPY samples ./samples
COPY visualizations ./visualizations
RUN pip install --no-cache-dir ".[fast]"
RUN useradd --create-home alliancegraph && mkdir -p /data && chown alliancegraph /data
USER alliancegraph
ENV ALLIANCEGRAPH_DB_PATH=/data/alliancegraph.db
EXPOSE 8000
CMD ["alliancegraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
