"""A real kube-apiserver (+ etcd) on 127.0.0.1 for the e2e tier, and a small REST client for it.

The test makes every credential: a CA and serving certificate, a static token file (an admin in
``system:masters``), a service-account signing key. Authorization is ``RBAC`` so RoleBindings are
enforced. No controller-manager runs: ``NamespaceFinalizer`` stands in for its namespace controller
(deletes what is left in a terminating namespace, then clears the ``kubernetes`` finalizer) so a
``pulumi destroy`` of a Namespace can finish.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ADMIN_TOKEN = "om-secrets-e2e-admin-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def make_pki(d: Path) -> dict[str, Path]:
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = _key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "om-secrets-e2e-ca")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    srv_key = _key()
    srv = (x509.CertificateBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
           .issuer_name(ca_name).public_key(srv_key.public_key()).serial_number(x509.random_serial_number())
           .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
           .add_extension(x509.SubjectAlternativeName([
               x509.DNSName("localhost"), x509.DNSName("kubernetes.default.svc"),
               x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("10.0.0.1"))]),
               critical=False)
           .sign(ca_key, hashes.SHA256()))
    sa_key = _key()
    paths = {"ca": d / "ca.crt", "cert": d / "apiserver.crt", "key": d / "apiserver.key",
             "sa_key": d / "sa.key", "sa_pub": d / "sa.pub", "tokens": d / "tokens.csv"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(srv.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(_pem_key(srv_key))
    paths["sa_key"].write_bytes(_pem_key(sa_key))
    paths["sa_pub"].write_bytes(sa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    paths["tokens"].write_text(f'{ADMIN_TOKEN},e2e-admin,e2e-admin,"system:masters"\n')
    for p in paths.values():
        p.chmod(0o600)
    return paths


class ApiError(Exception):
    def __init__(self, status: int, body: str):
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


class Cluster:
    def __init__(self, bin_dir: Path, workdir: Path):
        self.bin_dir, self.dir = bin_dir, workdir
        self.procs: list[subprocess.Popen] = []
        self.tokens: dict[str, str] = {}
        self.logs: list = []

    # ------------------------------------------------------------------ lifecycle
    def start(self, timeout: float = 180) -> "Cluster":
        self.dir.mkdir(parents=True, exist_ok=True)
        pki = make_pki(self.dir)
        etcd_port, peer_port, self.port = free_port(), free_port(), free_port()
        self._spawn("etcd", [
            str(self.bin_dir / "etcd"), "--name", "e2e", "--data-dir", str(self.dir / "etcd"),
            "--listen-client-urls", f"http://127.0.0.1:{etcd_port}",
            "--advertise-client-urls", f"http://127.0.0.1:{etcd_port}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer_port}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer_port}",
            "--initial-cluster", f"e2e=http://127.0.0.1:{peer_port}",
            "--unsafe-no-fsync", "--log-level", "warn"])
        self.apiserver_argv = [
            str(self.bin_dir / "kube-apiserver"),
            f"--etcd-servers=http://127.0.0.1:{etcd_port}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={self.port}",
            f"--cert-dir={self.dir / 'certs'}",
            f"--tls-cert-file={pki['cert']}", f"--tls-private-key-file={pki['key']}",
            f"--token-auth-file={pki['tokens']}", "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc",
            f"--service-account-key-file={pki['sa_pub']}", f"--service-account-signing-key-file={pki['sa_key']}",
            "--service-cluster-ip-range=10.0.0.0/24", "--endpoint-reconciler-type=none",
            "--enable-priority-and-fairness=false", "--profiling=false", "--v=0"]
        self.etcd = self.procs[-1]
        self.ca = pki["ca"]
        self.server = f"https://127.0.0.1:{self.port}"
        self._ssl = ssl.create_default_context(cafile=str(self.ca))
        self.start_apiserver(timeout)
        self.kubeconfig = self.write_kubeconfig(self.dir / "kubeconfig.yaml", "e2e-admin", ADMIN_TOKEN)
        self.finalizer = NamespaceFinalizer(self)
        self.finalizer.start()
        return self

    def start_apiserver(self, timeout: float = 180) -> None:
        """Start kube-apiserver (again) on the same port, certificates and etcd, and wait until it is ready."""
        self._spawn("kube-apiserver", self.apiserver_argv)
        self.apiserver = self.procs[-1]
        deadline = time.monotonic() + timeout
        while True:
            for p, name in ((self.etcd, "etcd"), (self.apiserver, "kube-apiserver")):
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited with {p.returncode}:\n{self.log_tail(name)}")
            try:
                if self.raw("GET", "/readyz") == "ok":
                    return
            except (OSError, ApiError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"kube-apiserver not ready after {timeout}s:\n{self.log_tail('kube-apiserver')}")
            time.sleep(0.5)

    def kill_apiserver(self) -> None:
        """SIGKILL the API server (etcd keeps every object): a crash, not a shutdown."""
        self.apiserver.kill()
        self.apiserver.wait(30)
        self.procs.remove(self.apiserver)

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = open(self.dir / f"{name}.log", "a")
        self.logs.append(log)
        self.procs.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.dir))

    def log_tail(self, name: str, n: int = 40) -> str:
        return "\n".join((self.dir / f"{name}.log").read_text(errors="replace").splitlines()[-n:])

    def stop(self) -> None:
        if getattr(self, "finalizer", None):
            self.finalizer.stop()
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in self.logs:
            log.close()

    # ------------------------------------------------------------------ REST
    def raw(self, method: str, path: str, body: dict | None = None, token: str = ADMIN_TOKEN) -> str:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server + path, data=data, method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, context=self._ssl, timeout=30) as r:
                return r.read().decode()
        except urllib.error.HTTPError as e:
            raise ApiError(e.code, e.read().decode(errors="replace")) from None

    def write_kubeconfig(self, path: Path, user: str, token: str) -> Path:
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "e2e",
            "clusters": [{"name": "e2e", "cluster": {"server": self.server, "certificate-authority": str(self.ca)}}],
            "users": [{"name": user, "user": {"token": token}}],
            "contexts": [{"name": "e2e", "context": {"cluster": "e2e", "user": user}}],
        }))
        path.chmod(0o600)
        return path

    def service_account_kubeconfig(self, namespace: str, name: str, path: Path) -> Path:
        """A kubeconfig with a token the API server issues for the ServiceAccount (TokenRequest)."""
        review = self.api("POST", f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token", {
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 3600}})
        self.tokens[str(path)] = review["status"]["token"]
        return self.write_kubeconfig(path, f"{namespace}-{name}", review["status"]["token"])

    def raw_as(self, kubeconfig: Path, method: str, path: str, body: dict | None = None) -> str:
        return self.raw(method, path, body, token=self.tokens[str(kubeconfig)])

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        return json.loads(self.raw(method, path, body))

    def get(self, path: str) -> dict | None:
        try:
            return self.api("GET", path)
        except ApiError as e:
            if e.status == 404:
                return None
            raise

    def secret(self, namespace: str, name: str) -> dict | None:
        return self.get(f"/api/v1/namespaces/{namespace}/secrets/{name}")

    def can(self, user: str, groups: list[str], verb: str, namespace: str, resource: str = "secrets",
            name: str = "", group: str = "", subresource: str = "") -> bool:
        """SubjectAccessReview, as the API server's RBAC authorizer answers it (namespace "": cluster scope,
        i.e. every namespace)."""
        attrs = {"namespace": namespace, "verb": verb, "group": group, "resource": resource, "version": "v1"}
        if name:
            attrs["name"] = name
        if subresource:
            attrs["subresource"] = subresource
        review = self.api("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
            "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": user, "groups": groups, "resourceAttributes": attrs}})
        return bool(review["status"].get("allowed"))

    def service_account_can(self, sa_namespace: str, sa_name: str, verb: str, namespace: str, **kw) -> bool:
        user = f"system:serviceaccount:{sa_namespace}:{sa_name}"
        groups = ["system:serviceaccounts", f"system:serviceaccounts:{sa_namespace}", "system:authenticated"]
        return self.can(user, groups, verb, namespace, **kw)


NAMESPACED = ["api/v1/{ns}/secrets", "api/v1/{ns}/configmaps", "api/v1/{ns}/serviceaccounts",
              "apis/rbac.authorization.k8s.io/v1/{ns}/roles", "apis/rbac.authorization.k8s.io/v1/{ns}/rolebindings",
              "apis/batch/v1/{ns}/jobs"]


class NamespaceFinalizer(threading.Thread):
    """Stands in for the two kube-controller-manager controllers a delete needs (not built here): the
    garbage collector's part for objects deleted with foreground propagation (pulumi-kubernetes deletes
    that way; the object keeps a ``foregroundDeletion`` finalizer until the collector, finding no
    dependents here, removes it) and the namespace controller (empties a terminating namespace)."""

    def __init__(self, cluster: Cluster):
        super().__init__(daemon=True)
        self.cluster, self._stop = cluster, threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        c = self.cluster
        while not self._stop.wait(0.5):
            try:
                for coll in NAMESPACED:
                    group, _, rest = coll.partition("/{ns}/")
                    for obj in c.api("GET", f"/{group}/{rest}")["items"]:
                        md = obj["metadata"]
                        if md.get("deletionTimestamp") and md.get("finalizers") == ["foregroundDeletion"]:
                            kind_path = f"/{group}/namespaces/{md['namespace']}/{rest}/{md['name']}"
                            req = urllib.request.Request(
                                c.server + kind_path, method="PATCH",
                                data=json.dumps({"metadata": {"finalizers": None}}).encode(),
                                headers={"Authorization": f"Bearer {ADMIN_TOKEN}",
                                         "Content-Type": "application/merge-patch+json"})
                            urllib.request.urlopen(req, context=c._ssl, timeout=30).read()
                for ns in c.api("GET", "/api/v1/namespaces")["items"]:
                    if not ns["metadata"].get("deletionTimestamp"):
                        continue
                    name = ns["metadata"]["name"]
                    for coll in NAMESPACED:
                        group, _, rest = coll.partition("/{ns}/")
                        c.raw("DELETE", f"/{group}/namespaces/{name}/{rest}")
                    ns["spec"]["finalizers"] = []
                    c.raw("PUT", f"/api/v1/namespaces/{name}/finalize", ns)
            except Exception:  # noqa: BLE001 best effort, retried
                continue
