import { defineManifest } from '../manifest'
import { registerDelivery } from './delivery.server'

/** Delivery of reports to the bodies that act on them: e-mail, Open311 client, replies by mail (issue 19). */
export const manifest = defineManifest({
  name: 'delivery',
  routes: ['/admin/delivery'],
  permissions: ['admin:settings'],
  jobs: ['sending queued deliveries and polling bodies for updates (startDeliveryJobs)', 'replies to reports on the shared inbound SMTP endpoint (registerDeliveryInbound)'],
  datasets: [],
  feeds: [],
  mapLayers: [],
  followableKinds: [],
  register() {
    // A report made public is queued for its body's delivery method.
    registerDelivery()
  },
})
