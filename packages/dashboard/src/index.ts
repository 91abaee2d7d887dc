// Public API of @jiq/dashboard: the live page of a jiq cluster (served by the process itself)
// and the state it shows, also at GET /api/state.
export { startDashboard } from './dashboard';
export type { DashboardHandle, DashboardOptions, DashboardTarget } from './dashboard';
export type { ReplySample } from './response-window';
export type {
  DashboardState,
  DispatcherView,
  History,
  Predictions,
  ResponseView,
  RunParams,
  SlotView,
  TokenView,
  WorkerView,
} from './state';
export { StateTracker } from './tracker';
export type { Poll } from './tracker';
export { ratioCi95 } from './ratio-ci';
