# UNTESTED (no Docker engine where this was written): the README's "Past one process" steps in
# an image. N replicas of `streamlit run app.py` behind nginx on port 8080:
#   docker build -t cnnlab . && docker run -p 8080:8080 -e REPLICAS=4 cnnlab
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends nginx && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
ENV REPLICAS=2
# one OpenBLAS thread a replica (see scripts/replicas.py)
ENV OPENBLAS_NUM_THREADS=1
EXPOSE 8080
# exec: the script gets docker's SIGTERM and stops every replica and nginx
CMD exec python scripts/replicas.py --replicas "$REPLICAS" --port 8080 --address 0.0.0.0 --dir /tmp/replicas
