import { DeliveryAttempt } from './delivery-attempt.entity';
import { InboxNotification } from './inbox-notification.entity';
import { DeliveryLane, NotificationDelivery } from './notification-delivery.entity';
import { NotificationEndpoint } from './notification-endpoint.entity';
import { NotificationFaultProfile } from './notification-fault-profile.entity';

/** The notification module's entities, in the order their tables are created. */
export const NOTIFICATION_ENTITIES = [
  NotificationEndpoint,
  NotificationDelivery,
  DeliveryAttempt,
  InboxNotification,
  NotificationFaultProfile,
];

export {
  DeliveryAttempt,
  DeliveryLane,
  InboxNotification,
  NotificationDelivery,
  NotificationEndpoint,
  NotificationFaultProfile,
};
export type { DeliveryState } from './notification-delivery.entity';
export type { EndpointState } from './notification-endpoint.entity';
