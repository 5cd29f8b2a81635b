import type { RootState } from '../root';

export const selectAppInfo = (s: RootState) => s.appInfo;
export const selectVersionLabel = (s: RootState): string | null =>
  s.appInfo.status === 'ready' ? `${s.appInfo.info.name} ${s.appInfo.info.version}` : null;
