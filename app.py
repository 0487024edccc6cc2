from chalice import Chalice

from chalicelib.handlers import (
    admin,
    admin_reports,
    api,
    api_keys,
    auth,
    beta,
    billing,
    cors,
    credits,
    emails,
    generations,
    images,
    me,
    openai_compat,
    operations,
    referrals,
    status,
    support,
    system,
    webhook_endpoints,
    webhooks,
    worker,
)

app = Chalice(app_name="pixmint")
app.api.binary_types.extend(["image/png", "image/jpeg", "image/webp", "image/gif", "image/svg+xml", "image/*",
                             "application/zip", "multipart/form-data"])
app.register_middleware(cors.cors_middleware, "http")  # first, so it wraps the error envelope too
app.register_middleware(api.http_middleware, "http")
app.register_blueprint(system.bp)
app.register_blueprint(auth.bp)
app.register_blueprint(me.bp)
app.register_blueprint(credits.bp)
app.register_blueprint(webhooks.bp)
app.register_blueprint(generations.bp)
app.register_blueprint(images.bp)
app.register_blueprint(worker.bp)
app.register_blueprint(api_keys.bp)
app.register_blueprint(admin.bp)
app.register_blueprint(admin_reports.bp)
app.register_blueprint(operations.bp)
app.register_blueprint(openai_compat.bp)
app.register_blueprint(webhook_endpoints.bp)
app.register_blueprint(emails.bp)
app.register_blueprint(support.bp)
app.register_blueprint(status.bp)
app.register_blueprint(beta.bp)
app.register_blueprint(billing.bp)  # issue 18
app.register_blueprint(referrals.bp)  # issue 18
cors.register_preflight_routes(app)  # last: it adds OPTIONS beside every path registered above
