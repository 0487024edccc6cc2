import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatNumber } from '../format';
import { useImageUrl } from './GeneratedImage';
import { Icon } from './Icon';
import { ratioStyle } from './ratio';
import './Lightbox.css';

export interface LightboxItem {
  key: string;
  /** API addresses need the session's token (fetched through the API client); public ones load by themselves. */
  access: 'api' | 'public';
  thumbnailUrl: string;
  fullUrl: string;
  alt: string;
  width: number;
  height: number;
  /** The prompt, shown under the image. */
  title: string;
  transparent?: boolean;
}

interface LightboxProps {
  items: LightboxItem[];
  /** The item on show; null: closed. */
  index: number | null;
  onIndex: (index: number) => void;
  onClose: () => void;
  /** The controls for the item on show (favourite, download, details…). */
  actions?: (index: number, say: (text: string) => void) => ComponentChildren;
  /** Shown at the last item while more can be loaded: ask for them. */
  onNearEnd?: () => void;
  label: string;
}

/**
 * One image at a time, as large as the screen allows, over a dimmed page: ← and → step through the list, Esc
 * (or Close, or a click beside the image) closes and puts focus back where it was. A modal <dialog>, so the page
 * behind is out of reach of the keyboard and screen readers while it is open.
 */
export function Lightbox({ items, index, onIndex, onClose, actions, onNearEnd, label }: LightboxProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const [message, setMessage] = useState('');
  const item = index !== null ? items[index] : undefined;
  const open = !!item;

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      element.showModal();
    } else if (!open && element.open) {
      element.close();
    }
  }, [open]);

  useEffect(() => {
    setMessage('');
    if (index !== null && index >= items.length - 2) onNearEnd?.();
  }, [index]);

  function step(by: number) {
    if (index === null) return;
    const next = index + by;
    if (next >= 0 && next < items.length) onIndex(next);
  }

  function handleKey(event: KeyboardEvent) {
    const target = event.target as HTMLElement | null;
    if (target?.closest('input, textarea, select')) return;
    if (event.key === 'ArrowRight') step(1);
    else if (event.key === 'ArrowLeft') step(-1);
    else if (event.key === 'Home') onIndex(0);
    else if (event.key === 'End') onIndex(items.length - 1);
    else return;
    event.preventDefault();
  }

  function handleClosed() {
    onClose();
    const back = opener.current;
    opener.current = null;
    if (back?.isConnected) back.focus({ preventScroll: true });
  }

  const position = index !== null ? `${formatNumber(index + 1)} of ${formatNumber(items.length)}` : '';
  return (
    <dialog
      ref={dialog}
      class="lightbox"
      aria-label={label}
      onKeyDown={handleKey}
      onClose={handleClosed}
      onCancel={(event) => {
        event.preventDefault();
        dialog.current?.close();
      }}
      // A click on the dimmed space around the picture closes, as it does in every photo viewer.
      onClick={(event) => {
        if (event.target === event.currentTarget || (event.target as HTMLElement).classList.contains('lightbox-stage')) {
          dialog.current?.close();
        }
      }}
      data-testid="lightbox"
    >
      {item && index !== null && (
        <div class="lightbox-layout">
          <div class="lightbox-top">
            <p class="lightbox-position" data-testid="lightbox-position">
              {position}
            </p>
            <button
              type="button"
              class="lightbox-button"
              onClick={() => dialog.current?.close()}
              aria-label="Close"
              data-testid="lightbox-close"
            >
              <Icon name="close" />
            </button>
          </div>
          <div class="lightbox-stage">
            <button
              type="button"
              class="lightbox-button lightbox-step"
              onClick={() => step(-1)}
              disabled={index === 0}
              aria-label="Previous image"
            >
              <Icon name="previous" />
            </button>
            <LightboxImage key={item.key} item={item} />
            <button
              type="button"
              class="lightbox-button lightbox-step"
              onClick={() => step(1)}
              disabled={index === items.length - 1}
              aria-label="Next image"
            >
              <Icon name="next" />
            </button>
          </div>
          <div class="lightbox-bottom">
            <p class="lightbox-title" data-testid="lightbox-title">
              {item.title}
            </p>
            {actions && <div class="lightbox-actions">{actions(index, setMessage)}</div>}
            <p class="lightbox-message" role="status">
              {message}
            </p>
          </div>
        </div>
      )}
    </dialog>
  );
}

/** The thumbnail at once (usually cached already), then the full image over it once it has arrived. */
function LightboxImage({ item }: { item: LightboxItem }) {
  const api = item.access === 'api';
  const thumb = useImageUrl(api ? item.thumbnailUrl : null);
  const full = useImageUrl(api ? item.fullUrl : null);
  const thumbSrc = api ? thumb.src : item.thumbnailUrl;
  const fullSrc = api ? full.src : item.fullUrl;
  const [fullLoaded, setFullLoaded] = useState(false);
  return (
    <div
      class={item.transparent ? 'lightbox-frame is-transparent' : 'lightbox-frame'}
      style={ratioStyle(item.width, item.height)}
      aria-busy={fullLoaded ? undefined : 'true'}
    >
      {thumbSrc && !fullLoaded && <img class="lightbox-thumb" src={thumbSrc} alt="" decoding="async" />}
      <img
        class={fullLoaded ? 'lightbox-img is-loaded' : 'lightbox-img'}
        src={fullSrc ?? undefined}
        alt={item.alt}
        width={item.width}
        height={item.height}
        decoding="async"
        onLoad={() => setFullLoaded(true)}
        data-testid="lightbox-image"
      />
      {!fullLoaded && !full.error && <span class="spinner image-spinner" aria-hidden="true" />}
    </div>
  );
}
