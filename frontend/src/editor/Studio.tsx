import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ImageModel, LibraryImage } from '../api';
import { useSession } from '../auth';
import { useImageUrl } from '../components/GeneratedImage';
import { formatNumber, formatPercent, formatSize } from '../format';
import type { FieldErrors, FormErrors } from '../forms';
import { imageName } from '../library';
import { uploadImage } from '../uploads';
import {
  MAX_PADDING,
  brushRange,
  canvasChoices,
  hasPadding,
  paddedSize,
  sizeProblem,
  upscaleChoices,
  upscaleForWidth,
  upscaleProblem,
  type Dimensions,
} from './geometry';
import { InpaintToolbar } from './InpaintToolbar';
import { Lineage } from '../components/Lineage';
import { coverage, exportMask, useMaskHistory } from './mask';
import { MaskPainter, type PainterTool } from './MaskPainter';
import { OPERATIONS, OPERATION_ACTIONS, OPERATION_NAMES, isOperation } from './operations';
import { OutpaintPreview, SourceView } from './OutpaintPreview';
import { FieldError, ModelSelect, QuoteLine, Segmented, suitsOperation, type Choice } from './parts';
import { Results } from './Results';
import { UploadToEdit } from './UploadToEdit';
import type { EditOperation, EditRequest, Padding, UpscaleTarget } from './types';
import { useEditQuote } from './useEditQuote';
import { useEditRun } from './useEditRun';
import './editor.css';

const SIDES = ['left', 'right', 'top', 'bottom'] as const;
type PaddingText = Record<(typeof SIDES)[number], string>;
const NO_PADDING_TEXT: PaddingText = { left: '0', right: '0', top: '0', bottom: '0' };
const CUSTOM = 'custom';
/** The API's field names, so a refusal is shown beside the control it is about. */
const FIELDS = ['prompt', 'model', 'n', 'mask_image_id', 'outpaint', 'upscale', 'source_image_id', 'output_format'];

interface StudioProps {
  image: LibraryImage;
  models: ImageModel[];
}


const editHref = (imageId: string) => `/images/${encodeURIComponent(imageId)}/edit`;
export function Studio({ image, models }: StudioProps) {
  const session = useSession();
  const balance = session.user?.credits ?? 0;
  const source: Dimensions = { width: image.width, height: image.height };
  const picture = useImageUrl(image.content_url);
  const [operation, setOperation] = useState<EditOperation>(() => {
    const asked = new URLSearchParams(location.search).get('tool');
    return isOperation(asked) ? asked : 'inpaint';
  });
  const [preferredModel, setPreferredModel] = useState(image.model ?? '');
  const usable = models.filter((model) => suitsOperation(model, operation));
  const model =
    usable.find((item) => item.id === preferredModel) ?? usable.find((item) => item.default) ?? usable[0] ?? null;
  const [checked, setChecked] = useState<FieldErrors>({});
  const [lineageRound, setLineageRound] = useState(0);
  const runner = useEditRun(() => setLineageRound((n) => n + 1));

  // Inpaint
  const history = useMaskHistory();
  const brush = brushRange(source);
  const [painterTool, setPainterTool] = useState<PainterTool>('paint');
  const [brushSize, setBrushSize] = useState(brush.initial);
  const [inpaintPrompt, setInpaintPrompt] = useState('');
  const painted = useMemo(() => coverage(history.strokes, source), [history.version]);
  const uploadedMask = useRef<{ version: number; id: string } | null>(null);

  // Outpaint
  const canvases = model ? canvasChoices(model, source) : [];
  const [canvasId, setCanvasId] = useState('');
  const [paddingText, setPaddingText] = useState<PaddingText>(NO_PADDING_TEXT);
  const [outpaintPrompt, setOutpaintPrompt] = useState('');
  const customCanvas = canvasId === CUSTOM || (canvases.length === 0 && !!model);
  const chosenCanvas = customCanvas ? null : (canvases.find((item) => item.id === canvasId) ?? canvases[0] ?? null);
  const customPadding = parsePadding(paddingText);
  const padding: Padding | null = customCanvas ? customPadding : (chosenCanvas?.padding ?? null);
  const paddingError = customCanvas ? paddingProblem(model, source, customPadding) : null;

  // Upscale
  const upscales = model ? upscaleChoices(model, source) : [];
  const [upscaleId, setUpscaleId] = useState('');
  const [widthText, setWidthText] = useState('');
  const customUpscale = upscaleId === CUSTOM || (upscales.length === 0 && !!model);
  const chosenUpscale = customUpscale
    ? null
    : (upscales.find((item) => item.id === upscaleId) ?? upscales.find((item) => item.id === '2x') ?? upscales[0] ?? null);
  const typedTarget = model && /^\d+$/.test(widthText.trim()) ? upscaleForWidth(model, source, Number(widthText)) : null;
  const upscaleTarget: { target: UpscaleTarget; size: Dimensions } | null = customUpscale
    ? typedTarget && { target: { ...typedTarget }, size: typedTarget }
    : chosenUpscale;
  const upscaleError =
    customUpscale && model
      ? typedTarget
        ? upscaleProblem(model, source, typedTarget)
        : widthText.trim()
          ? 'Enter a width in whole pixels.'
          : null
      : null;

  // Variations
  const [count, setCount] = useState(1);
  const [variationPrompt, setVariationPrompt] = useState('');
  const maxCount = Math.max(1, model?.max_n ?? 1);
  const n = Math.min(count, maxCount);

  /** The request without its mask (uploaded only when the button is pressed); null while it can't be priced. */
  function body(): EditRequest | null {
    if (!model) return null;
    const base = { source_image_id: image.id, model: model.id };
    switch (operation) {
      case 'inpaint':
        return inpaintPrompt.trim() ? { ...base, operation, prompt: inpaintPrompt.trim() } : null;
      case 'outpaint':
        if (!padding || !hasPadding(padding) || paddingError) return null;
        return { ...base, operation, outpaint: padding, ...prompted(outpaintPrompt) };
      case 'upscale':
        return upscaleTarget && !upscaleError ? { ...base, operation, upscale: upscaleTarget.target } : null;
      case 'remove_background':
        return { ...base, operation, output_format: model.output_formats.includes('png') ? 'png' : 'webp' };
      case 'variation':
        return { ...base, operation, n, ...prompted(variationPrompt) };
    }
  }

  const request = body();
  // An inpaint costs what an edit of the same size costs; its mask is uploaded only on send, so it is priced as one.
  const shown = useEditQuote(request?.operation === 'inpaint' ? { ...request, operation: 'edit' } : request, FIELDS);
  const quoteErrors: FormErrors | null = shown.errors;
  const quoteProblem = quoteErrors ? (Object.values(quoteErrors.fields)[0] ?? quoteErrors.form) : missingText();

  function missingText(): string | null {
    if (!model) return 'None of the models can do this.';
    if (operation === 'inpaint' && !inpaintPrompt.trim()) return 'Describe what should be there to see the price.';
    if (operation === 'outpaint') {
      if (paddingError) return 'Fix the canvas size to see the price.';
      return padding && hasPadding(padding) ? null : 'Add some pixels on one side to see the price.';
    }
    if (operation === 'upscale') {
      if (upscaleError) return 'Fix the size to see the price.';
      return upscaleTarget ? null : 'Choose a size to see the price.';
    }
    return null;
  }

  function validate(): FieldErrors {
    const errors: FieldErrors = {};
    if (operation === 'inpaint') {
      if (!inpaintPrompt.trim()) errors.prompt = 'Describe what should be in the painted area.';
      if (painted === 0) errors.mask_image_id = 'Paint over the part of the picture to change first.';
    }
    if (operation === 'outpaint' && (!padding || !hasPadding(padding) || paddingError))
      errors.outpaint = paddingError ?? 'Add at least one pixel on one side.';
    if (operation === 'upscale' && (!upscaleTarget || upscaleError)) errors.upscale = upscaleError ?? 'Choose a size.';
    return errors;
  }

  async function handleSubmit(event: Event) {
    event.preventDefault();
    if (runner.busy) return;
    const errors = validate();
    setChecked(errors);
    const form = event.currentTarget as HTMLFormElement;
    if (Object.keys(errors).length || !request) {
      const first = Object.keys(errors)[0];
      requestAnimationFrame(() => (first === 'mask_image_id' ? document.getElementById('mask-viewport') : form.querySelector<HTMLElement>('[aria-invalid="true"]'))?.focus());
      return;
    }
    const sent = request;
    const version = history.version;
    const strokes = history.strokes;
    await runner.start(operation, FIELDS, async (step) => {
      if (sent.operation !== 'inpaint') return sent;
      if (uploadedMask.current?.version !== version) {
        step('Preparing the mask…');
        const file = await exportMask(strokes, source);
        step('Uploading the mask…');
        const upload = await uploadImage(file);
        uploadedMask.current = { version, id: upload.id };
      }
      return { ...sent, mask_image_id: uploadedMask.current!.id };
    });
  }

  // Keyboard shortcuts: undo and redo, brush size, brush or eraser. Text fields keep their own undo.
  const shortcuts = useRef({ operation, history, brush, setBrushSize });
  shortcuts.current = { operation, history, brush, setBrushSize };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const { operation: op, history: h, brush: b } = shortcuts.current;
      if (op !== 'inpaint' || isTextEntry(event.target) || event.altKey) return;
      const key = event.key.toLowerCase();
      if ((event.ctrlKey || event.metaKey) && (key === 'z' || key === 'y')) {
        event.preventDefault();
        if (key === 'y' || event.shiftKey) h.redo();
        else h.undo();
        return;
      }
      if (event.ctrlKey || event.metaKey) return;
      const step = Math.max(1, Math.round((b.max - b.min) / 20));
      if (event.key === '[' || event.key === ']') {
        event.preventDefault();
        const delta = event.key === ']' ? step : -step;
        shortcuts.current.setBrushSize((size) => Math.min(b.max, Math.max(b.min, size + delta)));
      } else if (key === 'b') setPainterTool('paint');
      else if (key === 'e') setPainterTool('erase');
      else if (key === 'm') setPainterTool('move');
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  function chooseOperation(next: EditOperation) {
    setOperation(next);
    setChecked({});
    const url = new URL(location.href);
    url.searchParams.set('tool', next);
    replaceAddress(url);
  }

  const errors: FieldErrors = { ...(runner.run?.operation === operation ? runner.run.errors?.fields : {}), ...checked };
  const fieldError = (name: string) =>
    errors[name] ?? Object.entries(errors).find(([key]) => key.startsWith(name + '.'))?.[1];
  const outpaintError = fieldError('outpaint') ?? paddingError;
  const upscaleFieldError = fieldError('upscale') ?? upscaleError;
  const name = imageName(image);
  const action = OPERATION_ACTIONS[operation];

  return (
    <div class="editor" data-testid="editor" data-image-id={image.id}>
      <header class="editor-head">
        <div class="editor-head-links">
          <p class="back-link">
            <a href={`/images/${encodeURIComponent(image.id)}`}>
              <span aria-hidden="true">← </span>Back to the image
            </a>
          </p>
          <UploadToEdit />
        </div>
        <h1 class="editor-title">Edit image</h1>
        <p class="editor-subtitle muted">
          <span class="editor-name">{name}</span> · {formatSize(image.width, image.height)} px
        </p>
      </header>

      <div class="editor-tabs" role="tablist" aria-label="Editing tools" onKeyDown={(event) => moveTab(event, operation, chooseOperation)}>
        {OPERATIONS.map((item) => (
          <button
            key={item}
            type="button"
            role="tab"
            id={`editor-tab-${item}`}
            aria-selected={item === operation ? 'true' : 'false'}
            aria-controls="editor-panel"
            tabIndex={item === operation ? 0 : -1}
            class="editor-tab"
            onClick={() => chooseOperation(item)}
            data-testid={`tool-${item}`}
          >
            {OPERATION_NAMES[item]}
          </button>
        ))}
      </div>

      <div class="editor-layout">
        <div class="editor-stage">
          {operation === 'inpaint' ? (
            <>
              <InpaintToolbar
                tool={painterTool}
                onTool={setPainterTool}
                brushSize={brushSize}
                brushMin={brush.min}
                brushMax={brush.max}
                onBrushSize={setBrushSize}
                history={history}
              />
              <MaskPainter
                source={source}
                imageUrl={picture.src}
                alt={image.alt}
                history={history}
                tool={painterTool}
                brushSize={brushSize}
              />
              <p id="mask-keys" class="field-hint field-hint-after">
                Drag to paint; on a touch screen, two fingers zoom and pan. Keys: arrows move the brush, hold Space to paint,
                Enter paints a dot, [ and ] change the size, B brush, E eraser, M move, + and − zoom, 0 fits, Ctrl+Z
                (⌘Z) undoes and Ctrl+Shift+Z redoes.
              </p>
            </>
          ) : operation === 'outpaint' ? (
            <OutpaintPreview
              source={source}
              padding={padding && !paddingError ? padding : { left: 0, right: 0, top: 0, bottom: 0 }}
              imageUrl={picture.src}
              alt={image.alt}
            />
          ) : (
            <SourceView source={source} imageUrl={picture.src} alt={image.alt} />
          )}
          {picture.error && (
            <p class="alert alert-error" role="alert">
              The picture didn't load.{' '}
              <button type="button" class="btn btn-secondary btn-small" onClick={picture.retry}>
                Try again
              </button>
            </p>
          )}
        </div>

        <div id="editor-panel" class="editor-panel" role="tabpanel" aria-labelledby={`editor-tab-${operation}`}>
          <form class="editor-form" onSubmit={handleSubmit} noValidate data-testid={`panel-${operation}`}>
            <h2 class="editor-panel-title">{OPERATION_NAMES[operation]}</h2>
            <p class="editor-intro muted">{INTROS[operation]}</p>

            {operation === 'inpaint' && (
              <>
                <p
                  id="mask-status"
                  class={fieldError('mask_image_id') ? 'mask-status field-error' : 'mask-status'}
                  role="status"
                  data-testid="mask-status"
                >
                  {fieldError('mask_image_id') ??
                    (painted > 0 ? `Painted: ${percentText(painted)} of the picture.` : 'Nothing painted yet.')}
                </p>
                <div class="field">
                  <label for="inpaint-prompt">What should be there</label>
                  <textarea
                    id="inpaint-prompt"
                    rows={3}
                    maxLength={4000}
                    value={inpaintPrompt}
                    onInput={(event) => setInpaintPrompt(event.currentTarget.value)}
                    aria-invalid={fieldError('prompt') ? 'true' : undefined}
                    aria-describedby={fieldError('prompt') ? 'inpaint-prompt-error' : undefined}
                    placeholder="e.g. a red umbrella"
                  />
                  <FieldError id="inpaint-prompt-error" message={fieldError('prompt')} />
                </div>
              </>
            )}

            {operation === 'outpaint' && (
              <>
                <Segmented
                  name="outpaint-shape"
                  legend="New shape"
                  value={customCanvas ? CUSTOM : (chosenCanvas?.id ?? '')}
                  choices={[
                    ...canvases.map((item): Choice => ({ value: item.id, label: item.label, detail: formatSize(item.canvas.width, item.canvas.height) })),
                    { value: CUSTOM, label: 'Pixels per side' },
                  ]}
                  onValue={(value) => {
                    setCanvasId(value);
                    if (value === CUSTOM && chosenCanvas) setPaddingText(paddingToText(chosenCanvas.padding));
                  }}
                  describedBy={outpaintError ? 'outpaint-error' : undefined}
                  testId="outpaint-shapes"
                />
                {customCanvas && (
                  <fieldset class="padding-fields">
                    <legend>Pixels to add</legend>
                    {SIDES.map((side) => (
                      <div class="field" key={side}>
                        <label for={`pad-${side}`}>{titleCase(side)}</label>
                        <input
                          id={`pad-${side}`}
                          type="number"
                          inputMode="numeric"
                          min={0}
                          max={MAX_PADDING}
                          step={model?.custom_sizes?.multiple_of ?? 1}
                          value={paddingText[side]}
                          onInput={(event) => setPaddingText({ ...paddingText, [side]: event.currentTarget.value })}
                          aria-invalid={outpaintError ? 'true' : undefined}
                          aria-describedby={outpaintError ? 'outpaint-error' : undefined}
                        />
                      </div>
                    ))}
                  </fieldset>
                )}
                <p class="muted" data-testid="outpaint-summary">
                  {padding && !paddingError && hasPadding(padding)
                    ? `${formatSize(paddedSize(source, padding).width, paddedSize(source, padding).height)} px: ${paddingSummary(padding)}.`
                    : ''}
                </p>
                <FieldError id="outpaint-error" message={outpaintError} />
                <div class="field">
                  <label for="outpaint-prompt">What to add (optional)</label>
                  <textarea
                    id="outpaint-prompt"
                    rows={2}
                    maxLength={4000}
                    value={outpaintPrompt}
                    onInput={(event) => setOutpaintPrompt(event.currentTarget.value)}
                    aria-describedby="outpaint-prompt-hint"
                  />
                  <p id="outpaint-prompt-hint" class="field-hint field-hint-after">
                    Leave empty to continue the picture as it is.
                  </p>
                  <FieldError id="outpaint-prompt-error" message={fieldError('prompt')} />
                </div>
              </>
            )}

            {operation === 'upscale' && (
              <>
                <Segmented
                  name="upscale-size"
                  legend="New size"
                  value={customUpscale ? CUSTOM : (chosenUpscale?.id ?? '')}
                  choices={[
                    ...upscales.map((item): Choice => ({ value: item.id, label: item.label, detail: formatSize(item.size.width, item.size.height) })),
                    { value: CUSTOM, label: 'Width' },
                  ]}
                  onValue={(value) => {
                    setUpscaleId(value);
                    if (value === CUSTOM && !widthText && chosenUpscale) setWidthText(String(chosenUpscale.size.width));
                  }}
                  describedBy={upscaleFieldError ? 'upscale-error' : undefined}
                  testId="upscale-sizes"
                />
                {customUpscale && (
                  <div class="field">
                    <label for="upscale-width">Width (px)</label>
                    <input
                      id="upscale-width"
                      type="number"
                      inputMode="numeric"
                      min={image.width + 1}
                      step={model?.custom_sizes?.multiple_of ?? 1}
                      value={widthText}
                      onInput={(event) => setWidthText(event.currentTarget.value)}
                      aria-invalid={upscaleFieldError ? 'true' : undefined}
                      aria-describedby={upscaleFieldError ? 'upscale-width-hint upscale-error' : 'upscale-width-hint'}
                    />
                    <p id="upscale-width-hint" class="field-hint field-hint-after">
                      The height follows the picture's shape.
                    </p>
                  </div>
                )}
                <p class="muted" data-testid="upscale-summary">
                  {upscaleTarget && !upscaleError
                    ? `From ${formatSize(image.width, image.height)} to ${formatSize(upscaleTarget.size.width, upscaleTarget.size.height)} px.`
                    : ''}
                </p>
                <FieldError id="upscale-error" message={upscaleFieldError} />
              </>
            )}

            {operation === 'variation' && (
              <>
                <div class="field">
                  <label for="variation-count">Number of images</label>
                  <select id="variation-count" value={String(n)} onChange={(event) => setCount(Number(event.currentTarget.value))}>
                    {Array.from({ length: maxCount }, (_, index) => index + 1).map((value) => (
                      <option key={value} value={String(value)}>
                        {value}
                      </option>
                    ))}
                  </select>
                  <FieldError id="variation-count-error" message={fieldError('n')} />
                </div>
                <div class="field">
                  <label for="variation-prompt">Prompt (optional)</label>
                  <textarea
                    id="variation-prompt"
                    rows={2}
                    maxLength={4000}
                    value={variationPrompt}
                    onInput={(event) => setVariationPrompt(event.currentTarget.value)}
                    aria-describedby="variation-prompt-hint"
                  />
                  <p id="variation-prompt-hint" class="field-hint field-hint-after">
                    Leave empty to use the picture's own prompt.
                  </p>
                  <FieldError id="variation-prompt-error" message={fieldError('prompt')} />
                </div>
              </>
            )}

            {usable.length > 0 ? (
              <ModelSelect id="editor-model" models={usable} value={model?.id ?? ''} onValue={setPreferredModel} />
            ) : (
              <p class="alert alert-info">None of the models can {OPERATION_NAMES[operation].toLowerCase()} right now.</p>
            )}
            <FieldError id="editor-model-error" message={fieldError('model')} />

            <QuoteLine quote={shown.quote} quoting={shown.quoting} problem={quoteProblem} balance={balance} testId="edit-quote" />
            <button
              type="submit"
              class="btn btn-primary btn-block"
              aria-disabled={runner.busy || !model ? 'true' : undefined}
              aria-busy={runner.busy ? 'true' : undefined}
              data-testid="edit-submit"
            >
              {runner.busy && <span class="spinner" aria-hidden="true" />}
              {action}
            </button>
          </form>
          <Lineage imageId={image.id} refresh={lineageRound} href={editHref} verb="Edit" />
        </div>

        <div class="editor-output">
          <Results runner={runner} />
        </div>
      </div>
    </div>
  );
}

const INTROS: Record<EditOperation, string> = {
  inpaint: 'Paint over the part to change, then say what should be there. Only the painted area changes.',
  outpaint: 'Grow the canvas and let the model fill the new area to match.',
  upscale: 'A larger copy with finer detail, the same picture otherwise.',
  remove_background: 'Keeps the subject and makes everything behind it transparent. The result is a PNG.',
  variation: 'New pictures like this one: the same subject and style, new compositions.',
};

function prompted(text: string): { prompt?: string } {
  return text.trim() ? { prompt: text.trim() } : {};
}

function parsePadding(text: PaddingText): Padding {
  const value = (raw: string) => (/^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw.trim() === '' ? 0 : NaN);
  return { left: value(text.left), right: value(text.right), top: value(text.top), bottom: value(text.bottom) };
}

function paddingToText(padding: Padding): PaddingText {
  return { left: String(padding.left), right: String(padding.right), top: String(padding.top), bottom: String(padding.bottom) };
}

function paddingProblem(model: ImageModel | null, source: Dimensions, padding: Padding): string | null {
  if (!model) return null;
  if (SIDES.some((side) => !Number.isInteger(padding[side]) || padding[side] < 0 || padding[side] > MAX_PADDING))
    return `Each side takes a whole number of pixels from 0 to ${formatNumber(MAX_PADDING)}.`;
  if (!hasPadding(padding)) return null;
  const problem = sizeProblem(model, paddedSize(source, padding));
  return problem ? `The new canvas would be ${formatSize(paddedSize(source, padding).width, paddedSize(source, padding).height)} px. ${problem}` : null;
}

function paddingSummary(padding: Padding): string {
  return SIDES.filter((side) => padding[side] > 0)
    .map((side) => `+${formatNumber(padding[side])} ${side}`)
    .join(', ');
}

function percentText(share: number): string {
  const percent = share * 100;
  return percent < 1 ? 'under 1%' : formatPercent(Math.round(percent), 0);
}

function titleCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isTextEntry(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['range', 'radio', 'checkbox', 'button', 'submit'].includes(target.type);
}

/** The tabs' arrow keys, Home and End: the focus and the choice move together. */
function moveTab(event: KeyboardEvent, current: EditOperation, choose: (operation: EditOperation) => void) {
  const index = OPERATIONS.indexOf(current);
  const next =
    event.key === 'ArrowRight'
      ? (index + 1) % OPERATIONS.length
      : event.key === 'ArrowLeft'
        ? (index - 1 + OPERATIONS.length) % OPERATIONS.length
        : event.key === 'Home'
          ? 0
          : event.key === 'End'
            ? OPERATIONS.length - 1
            : -1;
  if (next < 0) return;
  event.preventDefault();
  choose(OPERATIONS[next]);
  document.getElementById(`editor-tab-${OPERATIONS[next]}`)?.focus();
}

/** The address says which tool is open, so a reload or a shared link comes back to it. */
function replaceAddress(url: URL) {
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
}
