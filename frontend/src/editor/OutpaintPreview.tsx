import { ratioStyle } from '../components/ratio';
import { formatSize } from '../format';
import { paddedSize, type Dimensions } from './geometry';
import type { Padding } from './types';

interface OutpaintPreviewProps {
  source: Dimensions;
  padding: Padding;
  imageUrl: string | null;
  alt: string;
}

/** The grown canvas to scale: the picture where it will sit, the new area checkered around it. */
export function OutpaintPreview({ source, padding, imageUrl, alt }: OutpaintPreviewProps) {
  const canvas = paddedSize(source, padding);
  const percent = (part: number, whole: number) => `${((part / whole) * 100).toFixed(3)}%`;
  return (
    <figure class="outpaint-preview" data-testid="outpaint-preview">
      <div class="outpaint-box">
        <div class="outpaint-canvas" style={ratioStyle(canvas.width, canvas.height)}>
          <div
            class="outpaint-source"
            style={{
              left: percent(padding.left, canvas.width),
              top: percent(padding.top, canvas.height),
              width: percent(source.width, canvas.width),
              height: percent(source.height, canvas.height),
            }}
          >
            {imageUrl ? <img src={imageUrl} alt={alt} draggable={false} /> : <span class="spinner image-spinner" aria-hidden="true" />}
          </div>
        </div>
      </div>
      <figcaption class="muted" data-testid="outpaint-canvas-size">
        New canvas {formatSize(canvas.width, canvas.height)} px; the checkered area is new.
      </figcaption>
    </figure>
  );
}

/** The picture itself, fitted: what upscale, remove background and variations start from. */
export function SourceView({ source, imageUrl, alt }: { source: Dimensions; imageUrl: string | null; alt: string }) {
  return (
    <div class="source-view">
      <div class="source-frame" style={ratioStyle(source.width, source.height)}>
        {imageUrl ? (
          <img src={imageUrl} alt={alt} width={source.width} height={source.height} draggable={false} data-testid="source-image" />
        ) : (
          <span class="spinner image-spinner" aria-hidden="true" />
        )}
      </div>
    </div>
  );
}
