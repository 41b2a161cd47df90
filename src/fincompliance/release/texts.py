"""What a release observation says, in English and Chinese. Never a secret's or a person's
data: the kind of thing found, where, and why it matters."""

from __future__ import annotations

from dataclasses import dataclass

_TEXTS: dict[str, dict[str, str]] = {
    "secret": {
        "en": "{kind} on this line (the value is not shown)",
        "zh-CN": "此行含有{kind}（不显示其值）"},
    "secret-in-history": {
        "en": "{kind} added in commit {commit} ({path} line {line}); deleting the file "
              "later does not remove it from the history (the value is not shown)",
        "zh-CN": "提交 {commit} 中添加了{kind}（{path} 第 {line} 行）；"
                 "之后删除文件并不能将其从历史中移除（不显示其值）"},
    "personal-id": {
        "en": "a resident identity card number (valid check digit and birth date)",
        "zh-CN": "居民身份证号码（校验位和出生日期有效）"},
    "bank-card": {
        "en": "a bank card number (passes the Luhn check)",
        "zh-CN": "银行卡号（通过 Luhn 校验）"},
    "mobile-number": {
        "en": "a mainland China mobile phone number",
        "zh-CN": "中国大陆手机号码"},
    "internal-host": {
        "en": "a host name matching the internal pattern {pattern}",
        "zh-CN": "与内部主机名模式 {pattern} 匹配的主机名"},
    "internal-address": {
        "en": "an IP address in the internal network {network}",
        "zh-CN": "属于内部网段 {network} 的 IP 地址"},
    "trademark-forbidden": {
        "en": "the name {name!r}, which the policy says must not appear",
        "zh-CN": "出现了策略规定不得出现的名称“{name}”"},
    "trademark-notice": {
        "en": "the name {name!r} appears ({count} time(s)) but no released file carries its "
              "notice {notice!r}",
        "zh-CN": "名称“{name}”出现了 {count} 次，但发布的文件中没有其声明“{notice}”"},
    "licence-file-missing": {
        "en": "no licence file (LICENSE, LICENCE or COPYING) at the top of the release",
        "zh-CN": "发布内容的根目录下没有许可证文件（LICENSE、LICENCE 或 COPYING）"},
    "licence-file-differs": {
        "en": "{path} reads as {found}; the release is declared {outbound}",
        "zh-CN": "{path} 识别为 {found}，而本次发布声明的许可证是 {outbound}"},
    "licence-file-unread": {
        "en": "{path}: no licence recognised in it; the release is declared {outbound}",
        "zh-CN": "{path} 中未识别出许可证；本次发布声明的许可证是 {outbound}"},
    "header-missing": {
        "en": "no SPDX-License-Identifier or licence header in its first {lines} lines",
        "zh-CN": "前 {lines} 行中没有 SPDX-License-Identifier 或许可证头"},
    "header-differs": {
        "en": "its header declares {found}; the release is declared {outbound}",
        "zh-CN": "文件头声明的许可证为 {found}，而本次发布声明的许可证是 {outbound}"},
    "notice-missing": {
        "en": "no NOTICE file, while {count} third-party components go out with the release "
              "(`fincomp notice` writes one)",
        "zh-CN": "没有 NOTICE 文件，而随本次发布分发的第三方组件有 {count} 个"
                 "（可用 `fincomp notice` 生成）"},
    "notice-omits": {
        "en": "{name} ({licence}) goes out with the release and {notice} does not name it",
        "zh-CN": "{name}（{licence}）随本次发布分发，但 {notice} 中没有列出它"},
    "copyright-missing": {
        "en": "no copyright statement names {holders} (read: {read})",
        "zh-CN": "没有任何版权声明写明 {holders}（已读取：{read}）"},
    "copyright-other": {
        "en": "a copyright statement of someone else ({statement!r}): third-party code outside "
              "the vendored folders, to be attributed or moved there",
        "zh-CN": "含有他人的版权声明（“{statement}”）：位于第三方代码目录之外的第三方代码，"
                 "须注明出处或移入第三方目录"},
    "vendored-no-licence": {
        "en": "third-party code with no licence file: its terms are unknown",
        "zh-CN": "第三方代码没有许可证文件，其许可条款不明"},
    "vendored-not-attributed": {
        "en": "third-party code under {licence}, not named in {notice}",
        "zh-CN": "许可证为 {licence} 的第三方代码，未在 {notice} 中列出"},
    "vendored-incompatible": {
        "en": "third-party code under {licence}: {verdict} with a release under {outbound}",
        "zh-CN": "许可证为 {licence} 的第三方代码：与以 {outbound} 发布{verdict}"},
    "sign-off-missing": {
        "en": "commit by {author} carries no Signed-off-by of its author, and the author is "
              "not covered by the contributor agreement list",
        "zh-CN": "{author} 的提交没有作者本人的 Signed-off-by，且作者不在贡献者协议名单中"},
    "outside-author": {
        "en": "{commits} commit(s) by an author outside the institution's domains "
              "({domains})",
        "zh-CN": "机构域名（{domains}）之外的作者提交了 {commits} 次"},
}

# detect-secrets' kinds of secret, as a Chinese reader names them (products keep their name).
_SECRET_KINDS = {"zh-CN": {
    "AWS Access Key": "AWS 访问密钥", "Artifactory Credentials": "Artifactory 凭据",
    "Azure Storage Account access key": "Azure 存储账户访问密钥",
    "Base64 High Entropy String": "高熵 Base64 字符串（疑似密钥）",
    "Basic Auth Credentials": "URL 中的基本认证凭据", "Cloudant Credentials": "Cloudant 凭据",
    "Discord Bot Token": "Discord 机器人令牌", "GitHub Token": "GitHub 令牌",
    "GitLab Token": "GitLab 令牌", "Hex High Entropy String": "高熵十六进制字符串（疑似密钥）",
    "IBM COS HMAC Credentials": "IBM COS HMAC 凭据", "IBM Cloud IAM Key": "IBM Cloud IAM 密钥",
    "JSON Web Token": "JSON Web 令牌（JWT）", "Mailchimp Access Key": "Mailchimp 访问密钥",
    "NPM tokens": "npm 令牌", "OpenAI Token": "OpenAI 令牌", "Private Key": "私钥",
    "PyPI Token": "PyPI 令牌", "Secret Keyword": "以密码、密钥等关键字赋值的凭据",
    "SendGrid API Key": "SendGrid API 密钥", "Slack Token": "Slack 令牌",
    "SoftLayer Credentials": "SoftLayer 凭据", "Square OAuth Secret": "Square OAuth 密钥",
    "Stripe Access Key": "Stripe 访问密钥", "Telegram Bot Token": "Telegram 机器人令牌",
    "Twilio API Key": "Twilio API 密钥"}}


@dataclass(frozen=True)
class Speaker:
    language: str = "en"

    def say(self, key: str, **values: object) -> str:
        texts = _TEXTS[key]
        return texts.get(self.language, texts["en"]).format(**values)

    def secret_kind(self, kind: str) -> str:
        return _SECRET_KINDS.get(self.language, {}).get(kind, kind)

