import type { EditOperation } from './types';

export const OPERATIONS: EditOperation[] = ['inpaint', 'outpaint', 'upscale', 'remove_background', 'variation'];

/** The tab's name. */
export const OPERATION_NAMES: Record<EditOperation, string> = {
  inpaint: 'Inpaint',
  outpaint: 'Outpaint',
  upscale: 'Upscale',
  remove_background: 'Remove background',
  variation: 'Variations',
};

/** The button's label. */
export const OPERATION_ACTIONS: Record<EditOperation, string> = {
  inpaint: 'Repaint the area',
  outpaint: 'Extend the picture',
  upscale: 'Upscale',
  remove_background: 'Remove the background',
  variation: 'Make variations',
};

export function isOperation(value: string | undefined | null): value is EditOperation {
  return !!value && (OPERATIONS as string[]).includes(value);
}
