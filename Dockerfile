# supportwatch worker / simulator image: CPU-only torch, the shipped sentiment model baked in
# (models/weights/ is package data), runs as a non-root user.
#   docker build -t supportwatch .
#   docker run --rm supportwatch --help
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# CPU wheels of torch: the default wheels pull in several GiB of CUDA libraries the workers never use.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN pip install --index-url "${TORCH_INDEX_URL}" torch
WORKDIR /src
COPY . .
RUN pip install . \
 && test -n "$(find /opt/venv/lib -path '*/models/weights/*' -type f | head -n 1)"
# Fail the build unless the shipped model loads and classifies with no network access.
RUN HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 python -c \
    "from supportwatch.models import ModelSettings, load_classifier; \
print(load_classifier(ModelSettings()).classify(['thanks, that fixed it', 'still broken, third time I ask'])[0])"

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/supportwatch --create-home supportwatch
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    SUPPORTWATCH_METRICS_HOST=0.0.0.0 \
    SUPPORTWATCH_METRICS_PORT=9464 \
    SUPPORTWATCH_DATA_DIR=/var/lib/supportwatch/data
USER 10001:10001
WORKDIR /var/lib/supportwatch
EXPOSE 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=4 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/metrics' % os.environ['SUPPORTWATCH_METRICS_PORT'], timeout=4)"]
ENTRYPOINT ["supportwatch"]
CMD ["worker"]
