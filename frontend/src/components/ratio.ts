/**
 * An image's shape as the --ratio custom property, for boxes that must hold it before the image arrives. Set
 * through the CSSOM (Preact's style object), which the CSP's `style-src 'self'` allows; a style attribute in
 * markup it would refuse.
 */
export function ratioStyle(width: number, height: number): Record<string, string> {
  const ratio = width > 0 && height > 0 ? width / height : 1;
  return { '--ratio': ratio.toFixed(4) };
}
