# One Patroni member for docker-compose.yml's "ha" profile: the official PostgreSQL 15 image with
# Patroni from Debian's packages, configured by deploy/patroni.yml; each member's name, addresses,
# etcd and passwords come from its environment (PATRONI_*, see deploy/README.md).
FROM postgres:15
RUN apt-get update \
    && apt-get install -y --no-install-recommends patroni python3-etcd \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/postgresql/15 /etc/patroni \
    && chown -R postgres:postgres /var/lib/postgresql
COPY deploy/patroni.yml /etc/patroni/breakout.yml
USER postgres
# 5432: PostgreSQL; 8008: Patroni's REST API (HAProxy's checks, patronictl).
EXPOSE 5432 8008
ENTRYPOINT ["patroni", "/etc/patroni/breakout.yml"]
