"""Repositories to publish, built with real git history: one with a problem of every kind a
release review looks for planted in it (secrets of real formats and personal data that pass
their checksums, all generated here, none real), one cleaned of them.

Dependencies are real packages' metadata: certifi (MPL-2.0) from the corpus's installed
tree and pretalx (AGPL-3.0-only) from its published wheel (tests/fixtures/release)."""

from __future__ import annotations

import os
import random
import shutil
import string
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fincompliance.licensing.attribution import licence_text

from conftest import CORPUS, FIXTURES

HOLDER = "Example Bank Co., Ltd."
MARK_NOTICE = "ExampleBank Pay is a registered trademark of Example Bank Co., Ltd."
POLICY = f"""\
policy: bank-release
version: 1
extends: release-default
release_review:
  copyright_holders: ["{HOLDER}"]
  domains: [example-bank.com]
  cla: ["*@partner.example"]
  internal_hosts: ["*.example-bank.internal"]
  internal_networks: [10.0.0.0/8]
  names:
    - {{name: 招商示例银行, use: forbidden}}
    - {{name: ExampleBank Pay, use: with-notice, notice: "{MARK_NOTICE}"}}
"""
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class Planted:
    """The values a review must find and never print."""

    aws_key: str
    github_token: str
    old_password: str
    id_card: str
    bank_card: str
    mobile: str

    def values(self) -> list[str]:
        return [self.aws_key, self.github_token, self.old_password, self.id_card,
                self.bank_card, self.mobile]


def generated(seed: int = 146) -> Planted:
    rng = random.Random(seed)
    upper = string.ascii_uppercase + "234567"
    alnum = string.ascii_letters + string.digits
    return Planted(
        aws_key="AKIA" + "".join(rng.choices(upper, k=16)),
        github_token="ghp_" + "".join(rng.choices(alnum, k=36)),
        old_password="".join(rng.choices(alnum, k=20)),
        id_card=_id_card("110105", f"1985{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
                         f"{rng.randint(100, 999)}"),
        bank_card=_luhn("6222" + "".join(rng.choices(string.digits, k=11))),
        mobile="138" + "".join(rng.choices(string.digits, k=8)))


def _id_card(region: str, birth: str, sequence: str) -> str:
    body = region + birth + sequence
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS,
                                                               strict=True)) % 11]


def _luhn(payload: str) -> str:
    for check in string.digits:
        digits = [int(d) for d in payload + check]
        total = sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])
        if total % 10 == 0:
            return payload + check
    raise AssertionError("no Luhn check digit")


class Repository:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True)
        self._git("init", "-q", "-b", "main")

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def remove(self, relative: str) -> None:
        (self.root / relative).unlink()

    def commit(self, message: str, author: str, email: str, signed_off: bool = True) -> None:
        self._git("add", "-A")
        trailer = f"\n\nSigned-off-by: {author} <{email}>" if signed_off else ""
        self._git("commit", "-q", "-m", message + trailer, env={
            "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": email})

    def install(self, *dist_infos: Path) -> None:
        """A virtual environment git ignores, holding the dependencies' metadata."""
        venv = self.root / ".venv"
        (venv / "lib/python3.11/site-packages").mkdir(parents=True)
        (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
        for dist_info in dist_infos:
            shutil.copytree(dist_info, venv / "lib/python3.11/site-packages" / dist_info.name)

    def _git(self, *args: str, env: dict[str, str] | None = None) -> None:
        subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=self.root,
                       check=True, capture_output=True,
                       env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1",
                            "GIT_CONFIG_GLOBAL": os.devnull, **(env or {})})


CERTIFI = CORPUS / "python/site-packages-fin/certifi-2026.10.18.dist-info"
PRETALX = FIXTURES / "release/site-packages/pretalx-2026.2.1.dist-info"
_SPDX = "# SPDX-License-Identifier: MulanPSL-2.0\n"
_OURS = f"# Copyright (c) 2026 {HOLDER}\n"


def planted_repository(root: Path, planted: Planted) -> Repository:
    """Every kind of problem once (twice where two places differ), in real history."""
    repo = Repository(root)
    alice = ("Alice Wang", "alice@example-bank.com")
    repo.write(".gitignore", ".venv/\n")
    repo.write("requirements.txt", "certifi==2026.10.18\npretalx==2026.2.1\n")
    repo.install(CERTIFI, PRETALX)
    repo.write("LICENSE", licence_text("Apache-2.0") + "\n")         # not the declared one
    repo.write("NOTICE", "Third-party notices\n\ncertifi 2026.10.18 (MPL-2.0)\n")
    repo.write("README.md", "# Payments\n\nThe ledger service behind ExampleBank Pay.\n")
    repo.write("src/payments/__init__.py", _SPDX + "VERSION = '1.0'\n")
    repo.write("src/payments/settings.py", _SPDX + "import os\n\n"
               f"AWS_ACCESS_KEY_ID = '{planted.aws_key}'\n"
               f"GITHUB = '{planted.github_token}'\n"
               "REGION = os.environ.get('REGION', 'cn-north-1')\n")
    repo.write("src/payments/lz.c", "/* Copyright (C) 1995-2017 Jean-loup Gailly */\n"
               "/* SPDX-License-Identifier: Zlib */\nint lz(void) { return 0; }\n")
    repo.write("third_party/fastcrc/LICENSE", "Copyright (c) 2019 The fastcrc authors\n\n"
               + licence_text("MIT") + "\n")
    repo.write("third_party/fastcrc/crc.c", "int crc(void) { return 1; }\n")
    repo.write("tests/data/customers.csv", "name,id,card,mobile\n"
               f"张三,{planted.id_card},{planted.bank_card},{planted.mobile}\n")
    repo.commit("Payments ledger service", *alice)
    repo.write("deploy/old_settings.py", _SPDX + f'DB_PASSWORD = "{planted.old_password}"\n')
    repo.commit("Deployment settings", *alice)
    repo.remove("deploy/old_settings.py")
    repo.commit("Read deployment settings from the environment", *alice)
    repo.write("src/payments/ledger.py", "def post(entry):\n    return entry\n")   # no header
    repo.commit("Post ledger entries", "Bob Li", "bob@contractor.example")
    repo.write("src/payments/client.py", _SPDX + "BASE_URL = "
               "'https://core.example-bank.internal/api'\nFALLBACK = '10.12.0.5'\n")
    repo.commit("Core banking client", "Carol Zhao", "carol@example-bank.com",
                signed_off=False)
    repo.write("docs/intro.md", "本项目最初为招商示例银行开发。\n")
    repo.commit("Introduction", "Dave Chen", "dave@partner.example", signed_off=False)
    return repo


def cleaned_repository(root: Path) -> Repository:
    """The same project as it should be published."""
    repo = Repository(root)
    alice = ("Alice Wang", "alice@example-bank.com")
    repo.write(".gitignore", ".venv/\n")
    repo.write("requirements.txt", "certifi==2026.10.18\n")
    repo.install(CERTIFI)
    repo.write("LICENSE", f"Copyright (c) 2026 {HOLDER}\n\n" + licence_text("MulanPSL-2.0")
               + "\n")
    repo.write("NOTICE", f"Payments\nCopyright (c) 2026 {HOLDER}\n\nThird-party notices\n\n"
               "certifi 2026.10.18 (MPL-2.0)\nfastcrc (MIT), in third_party/fastcrc\n")
    repo.write("README.md", "# Payments\n\nThe ledger service behind ExampleBank Pay.\n\n"
               f"{MARK_NOTICE}\n")
    for name, body in (("__init__.py", "VERSION = '1.0'\n"),
                       ("settings.py", "import os\n\nREGION = os.environ['REGION']\n"),
                       ("ledger.py", "def post(entry):\n    return entry\n"),
                       ("client.py", "import os\n\nBASE_URL = os.environ['CORE_URL']\n")):
        repo.write(f"src/payments/{name}", _SPDX + _OURS + body)
    repo.write("third_party/fastcrc/LICENSE", "Copyright (c) 2019 The fastcrc authors\n\n"
               + licence_text("MIT") + "\n")
    repo.write("third_party/fastcrc/crc.c", "int crc(void) { return 1; }\n")
    repo.write("docs/intro.md", "本项目由示例银行开发。\n")
    repo.commit("Payments ledger service", *alice)
    repo.write("tests/data/customers.csv", "name,id,card,mobile\n张三,TEST-ID,TEST-CARD,-\n")
    repo.commit("Test data without personal information", *alice)
    return repo


def write_policy(folder: Path) -> Path:
    path = folder / "bank-release.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return path
