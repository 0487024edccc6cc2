-- Why a generation failed, as a code clients can branch on (the error text is for people): the OpenAI-compatible
-- API answers a provider's refusal as OpenAI does, a 400 moderation_blocked, not a 500.
ALTER TABLE generations ADD COLUMN error_code text
    CHECK (error_code IN ('content_refused', 'model_withdrawn', 'provider_failed', 'timed_out', 'worker_failed',
                          'cancelled'));
UPDATE generations SET error_code = 'cancelled' WHERE status = 'failed' AND error LIKE 'Cancelled%';
