import { useEffect, useState } from 'preact/hooks';

const QUIET_ZONE = 4; // modules of white around the symbol, as scanners expect

interface QrSymbol {
  size: number;
  /** One SVG path of every dark module, a horizontal run at a time. */
  path: string;
}

/**
 * A QR code of `text` as an inline SVG, always dark on white so phone cameras read it in the dark theme too.
 * The encoder (the `qrcode` package) loads only when a QR code is shown.
 */
export function QrCode({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const [symbol, setSymbol] = useState<QrSymbol | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let active = true;
    setSymbol(null);
    setFailed(false);
    import('qrcode').then(
      (lib) => {
        if (!active) return;
        try {
          // The package is CommonJS: its functions arrive as named exports or on `default`, depending on the bundler.
          const create = lib.create ?? (lib as unknown as { default: typeof lib }).default.create;
          setSymbol(toSymbol(create(text, { errorCorrectionLevel: 'M' }).modules));
        } catch {
          setFailed(true);
        }
      },
      () => active && setFailed(true),
    );
    return () => {
      active = false;
    };
  }, [text]);

  if (failed) {
    return <p class="muted">The QR code could not be drawn. Enter the key below in your app instead.</p>;
  }
  if (!symbol) {
    return (
      <p class="loading" role="status">
        <span class="spinner" aria-hidden="true" /> Drawing the QR code…
      </p>
    );
  }
  const side = symbol.size + QUIET_ZONE * 2;
  return (
    <svg
      class="qr-code"
      viewBox={`0 0 ${side} ${side}`}
      role="img"
      aria-label={label}
      shape-rendering="crispEdges"
      data-testid={testId}
    >
      <rect width={side} height={side} fill="#ffffff" />
      <path d={symbol.path} fill="#000000" />
    </svg>
  );
}

function toSymbol(modules: { size: number; data: Uint8Array }): QrSymbol {
  const { size, data } = modules;
  const parts: string[] = [];
  for (let row = 0; row < size; row++) {
    let col = 0;
    while (col < size) {
      if (!data[row * size + col]) {
        col++;
        continue;
      }
      const start = col;
      while (col < size && data[row * size + col]) col++;
      parts.push(`M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${col - start}v1h-${col - start}z`);
    }
  }
  return { size, path: parts.join('') };
}
