// The SignalR connection: alarms, room updates and tickets; Resume(lastSeq) after every (re)connection.
import { HubConnectionBuilder, HubConnectionState, LogLevel } from '@microsoft/signalr';
import { api, auth, freshToken } from './api.js';

const handlers = { alarm: new Set(), roomUpdated: new Set(), ticketUpdated: new Set(), alarms: new Set(), state: new Set() };
const rooms = new Map(); // roomId → subscriber count
let connection = null;
let starting = null;

export const alarms = { items: [], unreadCount: 0, lastSeq: 0 };
export const liveState = { value: 'disconnected' };

export function on(event, handler) { handlers[event].add(handler); return () => handlers[event].delete(handler); }
const emit = (event, value) => handlers[event].forEach((h) => h(value));
const setState = (value) => { liveState.value = value; emit('state', value); };

function mergeAlarms(items) {
  let changed = false;
  for (const alarm of items) {
    if (alarms.items.some((a) => a.seq === alarm.seq)) continue;
    alarms.items.push(alarm);
    if (!alarm.read) alarms.unreadCount++;
    alarms.lastSeq = Math.max(alarms.lastSeq, alarm.seq);
    changed = true;
  }
  if (changed) {
    alarms.items.sort((a, b) => b.seq - a.seq);
    emit('alarms', alarms);
  }
}

export async function markAlarmsRead() {
  if (alarms.lastSeq === 0) return;
  await api('POST', '/api/alarms/read', { upToSeq: alarms.lastSeq });
  alarms.items.forEach((a) => { a.read = true; });
  alarms.unreadCount = 0;
  emit('alarms', alarms);
}

async function afterConnect() {
  setState('connected');
  mergeAlarms(await connection.invoke('Resume', alarms.lastSeq));
  for (const roomId of rooms.keys()) {
    const room = await connection.invoke('SubscribeRoom', roomId).catch(() => null);
    if (room) emit('roomUpdated', room);
  }
}

const retryDelay = (tries) => Math.min(1000 * 2 ** tries, 10_000);
let failedStarts = 0;

/** Tries again in a while (the reconnects' schedule), as long as the user is signed in and nothing else started a connection meanwhile. */
function startLater() {
  setTimeout(() => { if (auth.signedIn && !connection) startLive().catch(() => {}); }, retryDelay(failedStarts++));
}

export async function startLive() {
  if (connection) return starting;
  const current = connection = new HubConnectionBuilder()
    .withUrl('/hubs/partner', { accessTokenFactory: freshToken })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => retryDelay(ctx.previousRetryCount) })
    .configureLogging(LogLevel.None)
    .build();
  current.on('alarm', (alarm) => { mergeAlarms([alarm]); emit('alarm', alarm); });
  current.on('roomUpdated', (room) => emit('roomUpdated', room));
  current.on('ticketUpdated', (ticket) => emit('ticketUpdated', ticket));
  current.onreconnecting(() => setState('reconnecting'));
  current.onreconnected(() => afterConnect().catch(() => {}));
  current.onclose(() => {
    // Closed for good (e.g. the token expired and could not be refreshed): start over while signed in.
    if (connection !== current) return;
    connection = null;
    setState('disconnected');
    startLater();
  });
  const first = async () => {
    const page = await api('GET', '/api/alarms?limit=50');
    if (connection !== current) return;
    alarms.items = [...page.items].reverse();
    alarms.unreadCount = page.unreadCount;
    alarms.lastSeq = page.lastSeq ?? 0;
    emit('alarms', alarms);
    await current.start();
    await afterConnect();
    failedStarts = 0;
  };
  alarms.items = []; alarms.unreadCount = 0; alarms.lastSeq = 0;
  // A first connection that fails (the server restarting, a proxy refusing the upgrade) is not retried by
  // withAutomaticReconnect, which only takes over once connected: try again until it succeeds.
  starting = first().catch(() => {
    if (connection !== current) return;
    connection = null;
    setState('disconnected');
    current.stop().catch(() => {});
    startLater();
  });
  return starting;
}

export async function stopLive() {
  const current = connection;
  connection = null;
  rooms.clear();
  alarms.items = []; alarms.unreadCount = 0; alarms.lastSeq = 0;
  emit('alarms', alarms);
  setState('disconnected');
  if (current) await current.stop();
}

/** Subscribes to a room's updates while the returned function has not been called. */
export function watchRoom(roomId) {
  rooms.set(roomId, (rooms.get(roomId) ?? 0) + 1);
  if (rooms.get(roomId) === 1 && connection?.state === HubConnectionState.Connected) {
    connection.invoke('SubscribeRoom', roomId).then((room) => emit('roomUpdated', room)).catch(() => {});
  }
  return () => {
    const left = (rooms.get(roomId) ?? 1) - 1;
    if (left > 0) { rooms.set(roomId, left); return; }
    rooms.delete(roomId);
    if (connection?.state === HubConnectionState.Connected) connection.invoke('UnsubscribeRoom', roomId).catch(() => {});
  };
}
