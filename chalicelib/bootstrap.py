"""The composition root: builds the real adapters once per Lambda container."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import Settings, SettingsError, get_settings
from .domain.accounts import AccountPolicy, AccountService
from .domain.admin import AdminService
from .domain.api_keys import ApiKeyService
from .domain.credits import CreditService
from .domain.generation_requests import GenerationService
from .domain.idempotency import IdempotencyService
from .domain.library import LibraryService
from .domain.ports import Clock, EmailSender
from .domain.reports import ReportService
from .domain.sweeper import GenerationSweeper
from .domain.uploads import UploadService
from .domain.worker import GenerationWorker


@dataclass
class Container:
    settings: Settings
    pool: Any
    clock: Clock
    accounts: AccountService
    credits: CreditService
    webhooks: Any
    generations: GenerationService
    uploads: UploadService
    worker: GenerationWorker
    sweeper: GenerationSweeper
    library: LibraryService
    api_keys: ApiKeyService
    admin: AdminService
    reports: ReportService
    idempotency: IdempotencyService
    webhook_secret: str = field(repr=False, default="")
    emails: Any = None
    webhook_endpoints: Any = None
    openai_images: Any = None
    webhook_delivery: Any = None
    email_preferences: Any = None
    support: Any = None
    status: Any = None
    beta: Any = None
    billing: Any = None
    referrals: Any = None
    boards: Any = None  # BoardService (issue 21)

    def close(self) -> None:
        if self.emails is not None:
            self.emails.close()
        if self.webhook_delivery is not None:
            self.webhook_delivery.close()
        self.pool.close()

    def database_ok(self) -> bool:
        from .adapters.postgres import ping

        return ping(self.pool)


def aws_client(settings: Settings, service: str) -> Any:
    import boto3
    from botocore.config import Config

    # SigV4 everywhere (presigned S3 links included); standard retries with backoff for throttling.
    config = Config(signature_version="s3v4" if service == "s3" else None, retries={"mode": "standard"},
                    connect_timeout=5, read_timeout=60)
    if service == "s3" and not settings.aws_endpoint_url:
        # Bucket-named hosts (<bucket>.s3.<region>.amazonaws.com) in every region: left to itself boto3 presigns
        # for the global s3.amazonaws.com outside us-east-1, a host the CSP's connect-src does not name (and a
        # redirect the browser's upload form cannot follow). Emulators keep path-style addressing.
        config = config.merge(Config(s3={"addressing_style": "virtual"}))
    if service == "sqs":
        # A job is sent after its charge commits, inside a 30 s API Lambda: a hanging SQS must not turn that
        # into a gateway timeout (clients retry those and pay twice); the sweeper sends what was not sent.
        config = config.merge(Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2,
                                     read_timeout=3))
    if service == "ses":
        # Sent from the outbox, which retries: a hanging SES must not hold its worker (or a shutdown) for minutes.
        config = config.merge(Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=3,
                                     read_timeout=10))
    with _client_lock:  # boto3's default session is not thread-safe while it builds a client (email goes on a thread)
        return boto3.client(service, region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url,
                            config=config)


_client_lock = threading.Lock()


def local_secret(settings: Settings, name: str, prefix: str = "") -> str:
    """A secret generated once and kept in the local data folder, for stages without a secret store."""
    if not settings.is_local:
        raise SettingsError(f"{name} must be configured outside local stages")
    path = settings.data_dir / name
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(prefix + secrets.token_urlsafe(48))
    return path.read_text().strip()


def secret_sealer(jwt_secret: str) -> Any:
    """What seals TOTP seeds and webhook signing secrets in the database, keyed from the app's master secret
    (derived like the other keys below, with a label of its own)."""
    from .adapters.sealed_secrets import SecretSealer

    return SecretSealer(jwt_secret)


def resolve_jwt_secret(settings: Settings) -> str:
    if settings.jwt_secret:
        return settings.jwt_secret
    return local_secret(settings, "jwt_secret")


def payment_gateway(settings: Settings) -> Any:
    if settings.stripe_secret_key:
        from .adapters.stripe_payments import StripeCheckout

        return StripeCheckout(settings.stripe_secret_key, settings.stripe_api_base)
    if not settings.is_local:
        raise SettingsError("STRIPE_SECRET_KEY is required outside local stages")
    from .adapters.local_checkout import LocalTestCheckout

    return LocalTestCheckout(settings.public_url)


def billing_gateway(settings: Settings) -> Any:
    """Stripe Billing when a Stripe key is set; otherwise none, and subscriptions answer 503 (billing, issue 18)."""
    if not settings.stripe_secret_key:
        return None
    from .adapters.stripe_billing import StripeBilling

    return StripeBilling(settings.stripe_secret_key, settings.stripe_api_base)


def image_providers(settings: Settings) -> dict[str, Any]:
    """The image providers this deployment can call, by provider name."""
    providers: dict[str, Any] = {}
    if settings.openai_api_key:
        from .adapters.openai_images import OpenAIImageProvider

        providers["openai"] = OpenAIImageProvider(settings.openai_api_key, settings.openai_base_url)
    if settings.bedrock_enabled:
        from .adapters.bedrock_images import BedrockImageProvider

        providers["bedrock"] = BedrockImageProvider(lambda: aws_client(settings, "bedrock-runtime"))
    if settings.is_local:
        from .adapters.placeholder_images import PlaceholderImageProvider

        providers["placeholder"] = PlaceholderImageProvider(stage_delay=settings.placeholder_stage_ms / 1000)
    return providers


def moderators(settings: Settings) -> list[Any]:
    from .domain.moderation import BlocklistModerator

    chain: list[Any] = [BlocklistModerator()]
    if settings.openai_api_key:
        from .adapters.openai_images import OpenAIModerator

        chain.append(OpenAIModerator(settings.openai_api_key, settings.openai_base_url))
    return chain


def model_withdrawn_alarm(model: str) -> None:
    """An error log and the ModelWithdrawn metric, which the stack's alarm sends to the operators' topic."""
    from .observability import logger, metrics, metrics_enabled

    logger.error("an image model was withdrawn by its provider", extra={"model": model})
    if metrics_enabled():
        from aws_lambda_powertools.metrics import MetricUnit

        metrics.add_metric(name="ModelWithdrawn", unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()


def jobs_queue_url(settings: Settings) -> str:
    if settings.jobs_queue_url:
        return settings.jobs_queue_url
    if not settings.is_local:
        raise SettingsError("JOBS_QUEUE_URL is required outside local stages")
    return f"{settings.aws_endpoint_url or 'https://sqs.us-east-1.amazonaws.com'}/123456789012/pixmint-jobs"


def build_container(
    settings: Settings,
    clock: Clock | None = None,
    mailer: EmailSender | None = None,
    hasher: Any = None,
    providers: dict[str, Any] | None = None,
) -> Container:
    from .adapters.argon2_hasher import Argon2PasswordHasher
    from .adapters.clock import SystemClock
    from .adapters.jwt_tokens import JwtAccessTokens
    from .adapters.postgres import PostgresUnitOfWork, create_pool
    from .adapters.ses_email import SesEmailSender

    if not settings.database_url:
        raise SettingsError("DATABASE_URL is not set (make dev starts an embedded PostgreSQL and sets it)")
    pool = create_pool(settings.database_url, max_size=settings.db_pool_size)
    clock = clock or SystemClock()
    jwt_secret = resolve_jwt_secret(settings)
    tokens = JwtAccessTokens(
        jwt_secret, settings.jwt_issuer, settings.jwt_audience, settings.access_token_ttl_seconds
    )
    sealer = secret_sealer(jwt_secret)

    def unit_of_work() -> PostgresUnitOfWork:
        return PostgresUnitOfWork(pool, sealer)
    from .adapters.email_delivery import BackgroundEmailDelivery, ScheduledEmailDelivery
    from .adapters.jinja_templates import JinjaEmailTemplates
    from .adapters.pyotp_codes import PyOtpCodes
    from .adapters.stripe_payments import StripeWebhookVerifier
    from .adapters.zxcvbn_strength import ZxcvbnStrength
    from .domain.emails import EmailPreferencesService, GuardedEmailSender, LowBalanceWatch, UnsubscribeLinks
    from .observability import logger

    unsubscribe_links = UnsubscribeLinks(
        hmac.new(jwt_secret.encode(), b"pixmint unsubscribe links", hashlib.sha256).digest(), settings.public_url)
    email_preferences = EmailPreferencesService(unit_of_work, clock, unsubscribe_links,
                                                log=lambda message, extra: logger.info(message, extra=extra))
    # Every email, outbox or not, is refused for an address that bounced for good or complained.
    mailer = GuardedEmailSender(
        mailer or SesEmailSender(lambda: aws_client(settings, "ses"), settings.email_from,
                                 settings.ses_configuration_set),
        email_preferences.is_suppressed)
    # A Lambda container is frozen once it has replied, so a thread there would send late or never; the sweeper
    # schedule delivers instead. A long-running local process sends at once, just after the reply.
    emails = (BackgroundEmailDelivery(lambda: accounts.deliver_due_emails(),
                                      lambda exc: logger.exception("email outbox delivery failed"))
              if settings.is_local else ScheduledEmailDelivery())
    from .domain.referrals import ReferralService  # referrals (issue 18)

    referrals = ReferralService(unit_of_work, clock, settings.public_url,
                                log=lambda message, extra: logger.info(message, extra=extra))
    accounts = AccountService(
        uow=unit_of_work,
        hasher=hasher or Argon2PasswordHasher(),
        tokens=tokens,
        clock=clock,
        mailer=mailer,
        public_url=settings.public_url,
        policy=AccountPolicy(signups_per_address_per_hour=settings.signups_per_address_per_hour,
                             admin_needs_two_factor=not settings.is_local),
        signup_bonus=settings.signup_bonus_credits,
        outbox=emails,
        codes=PyOtpCodes(),
        strength=ZxcvbnStrength(),
        # Derived like the safety identifier below: a stable key only this deployment holds.
        email_key_secret=hmac.new(jwt_secret.encode(), b"pixmint signup bonus email key", hashlib.sha256).digest(),
        log=lambda message, extra: logger.warning(message, extra=extra),
        templates=JinjaEmailTemplates(),
        unsubscribe_links=unsubscribe_links,
        referrals=referrals,
    )

    from .domain.webhooks import WebhookEvents

    # Deliveries carry the API's own JSON for a generation and a ledger row.
    from .handlers.responses import entry_json, generation_json

    events = LowBalanceWatch(WebhookEvents(clock, generation_json, entry_json), clock, emails)
    from .domain.billing import BillingService, SubscriptionEvents  # billing (issue 18)

    billing = BillingService(uow=unit_of_work, gateway=billing_gateway(settings), clock=clock,
                             public_url=settings.public_url)
    credits = CreditService(
        uow=unit_of_work,
        gateway=payment_gateway(settings),
        clock=clock,
        public_url=settings.public_url,
        events=events,
        return_origins=settings.cors_origins,
        outbox=emails,
        subscriptions=SubscriptionEvents(),
        pack_discount=billing.pack_discount_percent,
        charges=referrals,
    )
    webhook_secret = settings.stripe_webhook_secret or local_secret(settings, "stripe_webhook_secret", "whsec_local_")

    from .adapters.aws_storage import S3ImageStore, SqsJobQueue
    from .adapters.pillow_codec import PillowImageCodec

    def log(message: str, extra: dict[str, Any]) -> None:
        logger.info(message, extra=extra)

    providers = providers if providers is not None else image_providers(settings)
    store = S3ImageStore(lambda: aws_client(settings, "s3"), settings.images_bucket)
    queue = SqsJobQueue(lambda: aws_client(settings, "sqs"), jobs_queue_url(settings))
    codec = PillowImageCodec()
    generations = GenerationService(
        uow=unit_of_work, queue=queue, store=store,
        moderators=moderators(settings), clock=clock, available_providers=set(providers), log=log, events=events,
    )
    # Derived, not stored: the provider sees a stable pseudonym per user that only this deployment can link back.
    safety_secret = hmac.new(jwt_secret.encode(), b"pixmint safety identifier", hashlib.sha256).digest()
    uploads = UploadService(uow=unit_of_work, store=store, codec=codec, clock=clock, log=log)
    worker = GenerationWorker(uow=unit_of_work, providers=providers, codec=codec, store=store,
                              clock=clock, log=log, safety_secret=safety_secret,
                              on_model_withdrawn=lambda model: model_withdrawn_alarm(model), events=events)
    sweeper = GenerationSweeper(uow=unit_of_work, queue=queue, clock=clock, log=log, events=events)
    library = LibraryService(uow=unit_of_work, store=store, codec=codec, clock=clock,
                             public_url=settings.public_url, log=log)
    gateway_keys = None
    if settings.usage_plan_id:
        from .adapters.apigateway_keys import ApiGatewayKeys

        gateway_keys = ApiGatewayKeys(lambda: aws_client(settings, "apigateway"), settings.usage_plan_id)
    api_keys = ApiKeyService(uow=unit_of_work, clock=clock, gateway=gateway_keys, log=log,
                             known_models=lambda: {spec.id for spec, _, _ in generations.models()})
    admin = AdminService(uow=unit_of_work, clock=clock, events=events)
    from .domain.emails import SUPPORT_REPLY
    from .domain.support import SupportPolicy, SupportService


    support = SupportService(unit_of_work, clock, settings.public_url, outbox=emails, events=events,
                             policy=SupportPolicy(tickets_per_address=settings.support_tickets_per_address_per_hour))
    accounts.email_delivery.compose_with(SUPPORT_REPLY, support.compose_reply)
    from .domain.beta import BetaService
    from .domain.emails import BETA_INVITATION

    beta = BetaService(unit_of_work, clock, settings.public_url, outbox=emails)
    accounts.email_delivery.compose_with(BETA_INVITATION, beta.compose_invitation)
    from .domain.billing import failed_renewal_composer
    from .domain.emails import PAYMENT_FAILED

    accounts.email_delivery.compose_with(PAYMENT_FAILED, failed_renewal_composer(
        accounts.email_delivery.composer_of(PAYMENT_FAILED), settings.public_url))
    from .adapters.postgres_reports import SqsQueueStats, reports_session

    reports = ReportService(
        queries=lambda: reports_session(pool),
        queue_stats=SqsQueueStats(lambda: aws_client(settings, "sqs"), jobs_queue_url(settings), settings.jobs_dlq_url),
        clock=clock, store=store, mailer=mailer, log=log)
    from .adapters.status_file import HttpHealthProbe, LocalStatusFile, S3StatusFile
    from .domain.status import StatusService

    status_file: Any = None
    if settings.status_bucket:
        status_file = S3StatusFile(lambda: aws_client(settings, "s3"), settings.status_bucket)
    elif settings.is_local:
        status_file = LocalStatusFile(settings.data_dir / "status" / "status.json")
    status = StatusService(unit_of_work, clock, status_file, reports.metrics,
                           probe=HttpHealthProbe(settings.public_url), log=log)
    from .adapters.http_webhooks import BackgroundWebhookDelivery, HttpWebhookSender, resolve
    from .domain.compatible_images import CompatibleImages
    from .domain.webhooks import WebhookService

    # Only the local stages may deliver to private addresses (a receiver on localhost while developing).
    webhook_endpoints = WebhookService(uow=unit_of_work,
                                       sender=HttpWebhookSender(allow_private=settings.is_local), clock=clock,
                                       resolve=resolve, allow_private=settings.is_local, log=log)
    webhook_delivery = None
    if settings.stage == "local":  # `make dev`; in Lambda the sweeper schedule delivers, tests drive it themselves
        webhook_delivery = BackgroundWebhookDelivery(
            lambda: webhook_endpoints.deliver_due(budget_seconds=5),
            lambda exc: logger.exception("webhook delivery failed"))
        webhook_delivery.start()
    openai_images = CompatibleImages(generations, uploads, uow=unit_of_work, store=store, codec=codec, log=log)
    from .domain.boards import BoardService

    boards = BoardService(unit_of_work, clock)
    return Container(settings=settings, pool=pool, clock=clock, accounts=accounts, credits=credits,
                     webhooks=StripeWebhookVerifier(webhook_secret), generations=generations, uploads=uploads,
                     worker=worker, sweeper=sweeper, library=library, api_keys=api_keys, admin=admin, reports=reports,
                     webhook_secret=webhook_secret, emails=emails, webhook_endpoints=webhook_endpoints,
                     openai_images=openai_images, webhook_delivery=webhook_delivery,
                     idempotency=IdempotencyService(unit_of_work, clock), email_preferences=email_preferences,
                     support=support, status=status, beta=beta, billing=billing,
                     referrals=referrals, boards=boards)


def _from_settings() -> Container:
    return build_container(get_settings())


_lock = threading.Lock()
_container: Container | None = None
_factory: Callable[[], Container] = _from_settings


def container() -> Container:
    global _container
    if _container is None:
        with _lock:
            if _container is None:
                _container = _factory()
    return _container


def flush_email_deliveries() -> None:
    """Waits for the email outbox deliveries the running container has started (tests read the outbox after)."""
    current = _container
    if current is not None and current.emails is not None:
        current.emails.flush()


def use_container(factory: Callable[[], Container] | None) -> None:
    """Replaces how the container is built (tests, the local stack); None restores the default."""
    global _container, _factory
    with _lock:
        if _container is not None:
            _container.close()
        _container = None
        _factory = factory or _from_settings
