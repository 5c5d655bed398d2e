/** The app_milestones row that says the server has its first owner: /setup is then closed for good. */
export const OWNER_CREATED = 'owner_created';
