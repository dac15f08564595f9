"""Fixtures shared by the client tests: ckitd's socket and the local registry, given by the Swift test that starts
them (Tests/IntegrationTests/CkitdClientTests.swift): DOCKER_HOST=unix://... and CKIT_TEST_REGISTRY=127.0.0.1:PORT,
whose library/busybox:latest is the busybox fixture."""

import os
import uuid

import docker
import pytest


@pytest.fixture(scope="session")
def registry():
    return os.environ["CKIT_TEST_REGISTRY"]


@pytest.fixture(scope="session")
def busybox(registry):
    return f"{registry}/library/busybox:latest"


@pytest.fixture(scope="session")
def client():
    c = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], timeout=180)
    yield c
    c.close()


@pytest.fixture
def name():
    """A name no other test (or engineer) uses at the same time."""
    return "ckitd-" + uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def auth_registry():
    """A registry that lets in one user only: (host, username, password)."""
    host, username, password = os.environ["CKIT_TEST_AUTH_REGISTRY"].split()
    return host, username, password
