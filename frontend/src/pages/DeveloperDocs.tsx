import { useEffect, useRef, useState } from 'preact/hooks';
import { useSession } from '../auth';
import { LoadError } from '../components/LoadError';
import { developerApi, type OpenApiDocument, type OpenApiOperation, type OpenApiSchema } from '../developer';
import { useApiData, usePageTitle } from '../hooks';
import '../admin.css';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  method: string;
  path: string;
  operation: OpenApiOperation;
}

/** The API reference, read from GET /v1/openapi.json, with examples for scripts that use an API key. */
export function DeveloperDocs() {
  usePageTitle('Developer docs');
  const session = useSession();
  const doc = useApiData((signal) => developerApi.openapi(signal));
  const origin = location.origin;

  return (
    <div class="developer">
      <div class="page-head">
        <h1 class="page-title">Developer docs</h1>
        <div class="page-actions">
          {session.status === 'authenticated' ? (
            <>
              <a href="/developers/keys" class="btn btn-primary">
                Manage API keys
              </a>
              <a href="/developers/webhooks" class="btn btn-secondary">
                Manage webhooks
              </a>
            </>
          ) : (
            <a href="/signin" class="btn btn-primary">
              Sign in to create an API key
            </a>
          )}
          <a href="/v1/openapi.json" class="btn btn-secondary">
            OpenAPI document (JSON)
          </a>
        </div>
      </div>
      <p class="lead">
        Call Pixmint from your own code: send your API key in the <code>X-API-Key</code> header. Requests made with a key
        spend your credits, and a key can have its own monthly cap and rate limit.
      </p>

      <div class="docs-layout">
        <PageContents />
        <div class="docs-main">
          <section class="section" aria-labelledby="examples-title">
            <h2 id="examples-title">Generate, wait, download</h2>
            <p>
              Ask for an image, poll the generation until it has succeeded or failed, then download each image. Replace{' '}
              <code>YOUR_API_KEY</code> with a key from the <a href="/developers/keys">API keys</a> page.
            </p>
            <h3 id="curl-title">curl</h3>
            <CodeBlock labelledBy="curl-title" code={curlExample(origin)} testId="curl-example" />
            <h3 id="python-title">Python (requests)</h3>
            <CodeBlock labelledBy="python-title" code={pythonExample(origin)} testId="python-example" />
          </section>

          <section class="section" aria-labelledby="openai-title">
            <h2 id="openai-title">Use the OpenAI SDK</h2>
            <p>
              Pixmint answers OpenAI's Images API under <code>/v1/openai</code>, so the official OpenAI SDKs work unchanged: set
              the base URL to <code>{origin}/v1/openai</code> and the API key to a Pixmint API key (sent as{' '}
              <code>Authorization: Bearer</code>). Each call is an ordinary Pixmint generation: priced and charged when it is
              accepted, refunded for any image that could not be made, and kept in your history and library. Images come back
              as <code>b64_json</code>; errors come in OpenAI's shape, so the SDK raises what you expect.
            </p>
            <h3 id="openai-python-title">Python (openai)</h3>
            <CodeBlock labelledBy="openai-python-title" code={openaiPythonExample(origin)} testId="openai-python-example" />
            <h3 id="openai-js-title">JavaScript (openai on npm)</h3>
            <CodeBlock labelledBy="openai-js-title" code={openaiJsExample(origin)} testId="openai-js-example" />
            <h3 id="openai-curl-title">curl</h3>
            <CodeBlock labelledBy="openai-curl-title" code={openaiCurlExample(origin)} testId="openai-curl-example" />
            <p class="muted">
              The SDKs send no <code>Idempotency-Key</code> by themselves; pass one (<code>extra_headers</code> in Python) to
              make a retried call return the first one's images instead of paying again.
            </p>
          </section>

          <section class="section" aria-labelledby="webhooks-title">
            <h2 id="webhooks-title">Webhooks</h2>
            <p>
              Instead of polling, register an endpoint and Pixmint POSTs <code>{'{"type", "timestamp", "data"}'}</code> to it
              for <code>generation.succeeded</code>, <code>generation.failed</code>, <code>credits.purchased</code> and{' '}
              <code>credits.low</code>. Deliveries are signed as the Standard Webhooks specification says (
              <code>webhook-id</code>, <code>webhook-timestamp</code> and <code>webhook-signature</code> headers); anything
              but a 2xx within 10 seconds is retried with backoff for about a day under the same <code>webhook-id</code>, so
              dedupe on it. Outside the local stack the URL must be <code>https</code> on a public address.
            </p>
            <h3 id="webhook-register-title">Register an endpoint</h3>
            <CodeBlock labelledBy="webhook-register-title" code={webhookRegisterExample(origin)} testId="webhook-register-example" />
            <h3 id="webhook-python-title">Verify a delivery in Python (standardwebhooks)</h3>
            <CodeBlock labelledBy="webhook-python-title" code={WEBHOOK_PYTHON} testId="webhook-python-example" />
            <h3 id="webhook-node-title">Verify a delivery in Node (standardwebhooks)</h3>
            <CodeBlock labelledBy="webhook-node-title" code={WEBHOOK_NODE} testId="webhook-node-example" />
            <h3 id="webhook-manual-title">Verify without a library</h3>
            <p>
              The key is the base64 after <code>whsec_</code>; the signature is <code>v1,</code> and the base64 HMAC-SHA256 of{' '}
              <code>{'{webhook-id}.{webhook-timestamp}.{raw body}'}</code>. Check the raw body, before any JSON parsing.
            </p>
            <CodeBlock labelledBy="webhook-manual-title" code={WEBHOOK_MANUAL} testId="webhook-manual-example" />
          </section>

          <section class="section" aria-labelledby="reference-title">
            <h2 id="reference-title">Reference</h2>
            <LoadError message={doc.error} onRetry={doc.retry} />
            {doc.loading && !doc.data && (
              <p class="loading" role="status">
                <span class="spinner" aria-hidden="true" /> Loading the API reference…
              </p>
            )}
            {doc.data && <Reference doc={doc.data} />}
          </section>
        </div>
      </div>
    </div>
  );
}

function CodeBlock({ code, labelledBy, testId }: { code: string; labelledBy: string; testId: string }) {
  const [copied, setCopied] = useState<'yes' | 'blocked' | null>(null);
  const block = useRef<HTMLPreElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  async function copy() {
    clearTimeout(timer.current);
    try {
      await navigator.clipboard.writeText(code);
      setCopied('yes');
    } catch {
      // Blocked (no permission, or not a secure page): select the code so Ctrl+C copies it.
      const selection = getSelection();
      if (block.current && selection) selection.selectAllChildren(block.current);
      setCopied('blocked');
    }
    timer.current = setTimeout(() => setCopied(null), 4000);
  }

  return (
    <div class="code-wrap">
      {/* Scrollable, so it must be reachable with the keyboard. */}
      <pre ref={block} class="code-block" tabIndex={0} role="region" aria-labelledby={labelledBy} data-testid={testId}>
        <code>{code}</code>
      </pre>
      <button
        type="button"
        class="btn btn-secondary btn-small code-copy"
        onClick={() => void copy()}
        aria-describedby={labelledBy}
        data-testid={`${testId}-copy`}
      >
        {copied === 'yes' ? 'Copied' : 'Copy'}
      </button>
      <span class="visually-hidden" role="status">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'blocked' ? 'Copying was blocked: the code is selected, press Ctrl+C.' : ''}
      </span>
    </div>
  );
}

/** The page's own contents, beside it on wide screens. */
const CONTENTS: { id: string; label: string; children?: { id: string; label: string }[] }[] = [
  {
    id: 'examples-title',
    label: 'Generate, wait, download',
    children: [
      { id: 'curl-title', label: 'curl' },
      { id: 'python-title', label: 'Python' },
    ],
  },
  {
    id: 'openai-title',
    label: 'Use the OpenAI SDK',
    children: [
      { id: 'openai-python-title', label: 'Python' },
      { id: 'openai-js-title', label: 'JavaScript' },
      { id: 'openai-curl-title', label: 'curl' },
    ],
  },
  {
    id: 'webhooks-title',
    label: 'Webhooks',
    children: [
      { id: 'webhook-register-title', label: 'Register an endpoint' },
      { id: 'webhook-python-title', label: 'Verify in Python' },
      { id: 'webhook-node-title', label: 'Verify in Node' },
      { id: 'webhook-manual-title', label: 'Verify without a library' },
    ],
  },
  { id: 'reference-title', label: 'Reference' },
];

function PageContents() {
  return (
    <nav class="docs-contents" aria-labelledby="contents-title" data-testid="docs-contents">
      <h2 id="contents-title" class="docs-contents-title">
        On this page
      </h2>
      <ul>
        {CONTENTS.map((entry) => (
          <li key={entry.id}>
            <a href={`#${entry.id}`}>{entry.label}</a>
            {entry.children && (
              <ul>
                {entry.children.map((child) => (
                  <li key={child.id}>
                    <a href={`#${child.id}`}>{child.label}</a>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Reference({ doc }: { doc: OpenApiDocument }) {
  const groups = new Map<string, Operation[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? 'other';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push({ method, path, operation });
    }
  }
  const tags = [...groups.keys()].sort((a, b) => a.localeCompare(b));
  return (
    <>
      <p class="muted">
        {doc.info.title}, version {doc.info.version}. {doc.info.description}
      </p>
      <nav aria-label="API sections" class="docs-toc">
        <ul>
          {tags.map((tag) => (
            <li key={tag}>
              <a href={`#tag-${tag}`}>{tagLabel(tag)}</a>
            </li>
          ))}
        </ul>
      </nav>
      {tags.map((tag) => (
        <section key={tag} class="docs-group" aria-labelledby={`tag-${tag}`}>
          <h3 id={`tag-${tag}`} tabIndex={-1}>
            {tagLabel(tag)}
          </h3>
          <ul class="operation-list">
            {groups.get(tag)!.map((op) => (
              <OperationItem key={op.method + op.path} {...op} />
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}

function OperationItem({ method, path, operation }: Operation) {
  const parameters = operation.parameters ?? [];
  const body = operation.requestBody?.content;
  const responses = Object.entries(operation.responses ?? {});
  const isPublic = Array.isArray(operation.security) && operation.security.length === 0;
  return (
    <li class="operation" data-testid="operation" data-path={path} data-method={method.toUpperCase()}>
      <details>
        <summary>
          <span class={`method method-${method}`}>{method.toUpperCase()}</span> <code class="op-path">{path}</code>{' '}
          <span class="op-summary">{operation.summary}</span>
        </summary>
        <div class="op-body">
          <p class="muted">{isPublic ? 'No authentication needed.' : 'Needs a bearer token or an X-API-Key header.'}</p>
          {parameters.length > 0 && (
            <div class="table-wrap">
              <table class="data-table">
                <caption>Parameters</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">In</th>
                    <th scope="col">Type</th>
                    <th scope="col">Required</th>
                  </tr>
                </thead>
                <tbody>
                  {parameters.map((parameter) => (
                    <tr key={parameter.in + parameter.name}>
                      <th scope="row">
                        <code>{parameter.name}</code>
                        {parameter.description && <span class="op-desc"> {parameter.description}</span>}
                      </th>
                      <td>{parameter.in}</td>
                      <td>{schemaName(parameter.schema)}</td>
                      <td>{parameter.required ? 'Yes' : 'No'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {body && (
            <p>
              <strong>Request body:</strong>{' '}
              {Object.entries(body)
                .map(([type, content]) => `${schemaName(content.schema)} (${type})`)
                .join('; ')}
            </p>
          )}
          {responses.length > 0 && (
            <>
              <p class="op-responses-title">
                <strong>Responses</strong>
              </p>
              <ul class="op-responses">
                {responses.map(([status, response]) => (
                  <li key={status}>
                    <code>{status}</code> {responseText(response)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      </details>
    </li>
  );
}

function tagLabel(tag: string): string {
  return tag.charAt(0).toUpperCase() + tag.slice(1);
}

export function schemaName(schema: OpenApiSchema | undefined): string {
  if (!schema) return 'any';
  if (schema.$ref) return schema.$ref.split('/').pop() ?? schema.$ref;
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : schema.type;
  if (type === 'array') return `array of ${schemaName(schema.items)}`;
  if (schema.enum) return `one of ${schema.enum.map(String).join(', ')}`;
  if (type === 'object' && schema.properties) {
    const names = Object.keys(schema.properties);
    return names.length ? `object {${names.join(', ')}}` : 'object';
  }
  return schema.format ? `${type ?? 'any'} (${schema.format})` : type ?? 'any';
}

function responseText(response: { $ref?: string; description?: string; content?: Record<string, { schema?: OpenApiSchema }> }): string {
  if (response.$ref) return `Error (see ${response.$ref.split('/').pop()?.replace(/^E/, 'HTTP ')})`;
  const parts = [response.description ?? ''];
  if (response.content) {
    parts.push(
      '— ' +
        Object.entries(response.content)
          .map(([type, content]) => `${schemaName(content.schema)} (${type})`)
          .join('; '),
    );
  }
  return parts.join(' ');
}

function curlExample(origin: string): string {
  return `# 1. Ask for an image (the Idempotency-Key makes a retry safe)
curl -s -X POST "${origin}/v1/generations" \\
  -H "X-API-Key: YOUR_API_KEY" \\
  -H "Content-Type: application/json" \\
  -H "Idempotency-Key: $(uuidgen)" \\
  -d '{"prompt": "a lighthouse on a cliff at dusk", "n": 1}'
# → {"id": "GENERATION_ID", "status": "queued", ...}

# 2. Poll until "status" is "succeeded" or "failed"
curl -s "${origin}/v1/generations/GENERATION_ID" \\
  -H "X-API-Key: YOUR_API_KEY"
# → {"status": "succeeded", "images": [{"content_url": "/v1/images/IMAGE_ID/content", ...}]}

# 3. Download each image
curl -s -L "${origin}/v1/images/IMAGE_ID/content" \\
  -H "X-API-Key: YOUR_API_KEY" \\
  -H "Accept: image/png, image/webp, image/jpeg" \\
  -o image.png`;
}

function pythonExample(origin: string): string {
  return `import time
import uuid

import requests

BASE = "${origin}"
HEADERS = {"X-API-Key": "YOUR_API_KEY"}

# 1. Ask for an image (the Idempotency-Key makes a retry safe)
reply = requests.post(
    f"{BASE}/v1/generations",
    json={"prompt": "a lighthouse on a cliff at dusk", "n": 1},
    headers={**HEADERS, "Idempotency-Key": str(uuid.uuid4())},
    timeout=30,
)
reply.raise_for_status()
generation = reply.json()

# 2. Poll until it has succeeded or failed
while generation["status"] in ("queued", "running"):
    time.sleep(2)
    reply = requests.get(f"{BASE}/v1/generations/{generation['id']}", headers=HEADERS, timeout=30)
    reply.raise_for_status()
    generation = reply.json()

if generation["status"] != "succeeded":
    raise SystemExit(f"Generation failed: {generation.get('error')}")

# 3. Download each image
for number, image in enumerate(generation["images"], start=1):
    content = requests.get(
        BASE + image["content_url"],
        headers={**HEADERS, "Accept": "image/png, image/webp, image/jpeg"},
        timeout=60,
    )
    content.raise_for_status()
    extension = content.headers.get("Content-Type", "image/png").split(";")[0].split("/")[-1]
    with open(f"image-{number}.{extension}", "wb") as file:
        file.write(content.content)`;
}

function openaiPythonExample(origin: string): string {
  return `import base64

from openai import OpenAI

client = OpenAI(base_url="${origin}/v1/openai", api_key="YOUR_API_KEY")

print([model.id for model in client.models.list()])

result = client.images.generate(prompt="a lighthouse at dusk, oil painting", size="1024x1024", n=1)
with open("lighthouse.png", "wb") as file:
    file.write(base64.b64decode(result.data[0].b64_json))
print(result.model_extra["pixmint"])  # generation_id, model, cost_credits, refunded_credits

edited = client.images.edit(image=open("lighthouse.png", "rb"), prompt="add a full moon")`;
}

function openaiJsExample(origin: string): string {
  return `import fs from "node:fs";
import OpenAI from "openai";

const client = new OpenAI({ baseURL: "${origin}/v1/openai", apiKey: "YOUR_API_KEY" });

const result = await client.images.generate({ prompt: "a lighthouse at dusk", size: "1024x1024" });
fs.writeFileSync("lighthouse.png", Buffer.from(result.data[0].b64_json, "base64"));

const edited = await client.images.edit({
  image: fs.createReadStream("lighthouse.png"),
  prompt: "add a full moon",
});`;
}

function openaiCurlExample(origin: string): string {
  return `curl -s "${origin}/v1/openai/images/generations" \\
  -H "Authorization: Bearer YOUR_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"prompt": "a lighthouse at dusk", "size": "1024x1024"}' \\
  | jq -r '.data[0].b64_json' | base64 -d > lighthouse.png

curl -s "${origin}/v1/openai/images/edits" \\
  -H "Authorization: Bearer YOUR_API_KEY" \\
  -F image=@lighthouse.png -F prompt="add a full moon" | jq '.pixmint'`;
}

function webhookRegisterExample(origin: string): string {
  return `curl -s "${origin}/v1/webhook-endpoints" \\
  -H "X-API-Key: YOUR_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"url": "https://example.com/pixmint",
       "events": ["generation.succeeded", "generation.failed", "credits.purchased", "credits.low"],
       "low_credits_threshold": 200}'
# → 201 {"id": "...", "secret": "whsec_...", ...}: keep the secret, it is shown this once

# Send a webhook.test event now, then read the delivery log
curl -s -X POST "${origin}/v1/webhook-endpoints/ENDPOINT_ID/test" -H "X-API-Key: YOUR_API_KEY"
curl -s "${origin}/v1/webhook-endpoints/ENDPOINT_ID/deliveries" -H "X-API-Key: YOUR_API_KEY"`;
}

const WEBHOOK_PYTHON = `# pip install standardwebhooks
from standardwebhooks import Webhook, WebhookVerificationError

def pixmint_webhook(body: bytes, headers: dict[str, str]) -> dict:
    try:
        # Raises when the signature is wrong or the timestamp too far off.
        return Webhook(PIXMINT_WEBHOOK_SECRET).verify(body, headers)
    except WebhookVerificationError:
        raise PermissionError("not from Pixmint")`;

const WEBHOOK_NODE = `// npm install standardwebhooks
import express from "express";
import { Webhook } from "standardwebhooks";

const app = express();

app.post("/pixmint", express.raw({ type: "application/json" }), (req, res) => {
  const event = new Webhook(process.env.PIXMINT_WEBHOOK_SECRET).verify(req.body, req.headers);
  // event.type, event.data …
  res.sendStatus(204);
});`;

const WEBHOOK_MANUAL = `import base64
import hashlib
import hmac
import time

def verify(secret: str, headers: dict[str, str], body: bytes) -> None:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    if not any(hmac.compare_digest(expected, sig) for sig in headers["webhook-signature"].split()):
        raise PermissionError("bad signature")
    if abs(time.time() - int(headers["webhook-timestamp"])) > 300:
        raise PermissionError("too old")`;
