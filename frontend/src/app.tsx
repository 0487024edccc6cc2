import { useEffect } from 'preact/hooks';
import { LocationProvider, Route, Router, lazy } from 'preact-iso';
import { Layout } from './components/Layout';
import { Dashboard } from './pages/Dashboard';
import { ForgotPassword } from './pages/ForgotPassword';
import { Landing } from './pages/Landing';
import { NotFound } from './pages/NotFound';
import { PageLoadFailed } from './pages/PageLoadFailed';
import { ResetPassword } from './pages/ResetPassword';
import { SignIn } from './pages/SignIn';
import { SignUp } from './pages/SignUp';

// The credits, Generate, image, settings, email confirmation, developer and admin pages load on demand so the landing page stays small.
const Pricing = lazy(() => import('./pages/Pricing').then((m) => m.Pricing, pageLoadFailed));
const Billing = lazy(() => import('./pages/Billing').then((m) => m.Billing, pageLoadFailed));
const Referrals = lazy(() => import('./pages/Referrals').then((m) => m.Referrals, pageLoadFailed));
const BuyCredits = lazy(() => import('./pages/BuyCredits').then((m) => m.BuyCredits, pageLoadFailed));
const CheckoutReturn = lazy(() => import('./pages/CheckoutReturn').then((m) => m.CheckoutReturn, pageLoadFailed));
const Generate = lazy(() => import('./pages/Generate').then((m) => m.Generate, pageLoadFailed));
const Transactions = lazy(() => import('./pages/Transactions').then((m) => m.Transactions, pageLoadFailed));
const Gallery = lazy(() => import('./pages/Gallery').then((m) => m.Gallery, pageLoadFailed));
const Boards = lazy(() => import('./pages/Boards').then((m) => m.Boards, pageLoadFailed));
const ImageDetail = lazy(() => import('./pages/ImageDetail').then((m) => m.ImageDetail, pageLoadFailed));
// The editing studio (canvas, mask painting) is its own chunk, loaded only when an image is opened in it.
const Terms = lazy(() => import('./pages/Legal').then((m) => m.Terms, pageLoadFailed));
const Privacy = lazy(() => import('./pages/Legal').then((m) => m.Privacy, pageLoadFailed));
const Editor = lazy(() => import('./pages/Editor').then((m) => m.Editor, pageLoadFailed));
const SharedImage = lazy(() => import('./pages/SharedImage').then((m) => m.SharedImage, pageLoadFailed));
const Settings = lazy(() => import('./pages/Settings').then((m) => m.Settings, pageLoadFailed));
const Community = lazy(() => import('./pages/Community').then((m) => m.Community, pageLoadFailed));
const ApiKeys = lazy(() => import('./pages/ApiKeys').then((m) => m.ApiKeys, pageLoadFailed));
const Webhooks = lazy(() => import('./pages/Webhooks').then((m) => m.Webhooks, pageLoadFailed));
const ConfirmEmailChange = lazy(() => import('./pages/ConfirmEmailChange').then((m) => m.ConfirmEmailChange, pageLoadFailed));
const VerifyEmail = lazy(() => import('./pages/VerifyEmail').then((m) => m.VerifyEmail, pageLoadFailed));
const Unsubscribe = lazy(() => import('./pages/Unsubscribe').then((m) => m.Unsubscribe, pageLoadFailed));
const Waitlist = lazy(() => import('./pages/Waitlist').then((m) => m.Waitlist, pageLoadFailed));
const HelpCenter = lazy(() => import('./pages/Help').then((m) => m.HelpCenter, pageLoadFailed));
const HelpArticle = lazy(() => import('./pages/Help').then((m) => m.HelpArticle, pageLoadFailed));
const Changelog = lazy(() => import('./pages/Changelog').then((m) => m.Changelog, pageLoadFailed));
const Contact = lazy(() => import('./pages/Contact').then((m) => m.Contact, pageLoadFailed));
const Support = lazy(() => import('./pages/Support').then((m) => m.Support, pageLoadFailed));
const DeveloperDocs = lazy(() => import('./pages/DeveloperDocs').then((m) => m.DeveloperDocs, pageLoadFailed));
// The admin area: one chunk per section; the reports' chart library loads only with its chart.
const AdminUsers = lazy(() => import('./pages/admin/Users').then((m) => m.AdminUsers, pageLoadFailed));
const AdminUserDetail = lazy(() => import('./pages/admin/UserDetail').then((m) => m.AdminUserDetail, pageLoadFailed));
const AdminModels = lazy(() => import('./pages/admin/Models').then((m) => m.AdminModels, pageLoadFailed));
const AdminPricing = lazy(() => import('./pages/admin/Pricing').then((m) => m.AdminPricing, pageLoadFailed));
const AdminCatalog = lazy(() => import('./pages/admin/Catalog').then((m) => m.AdminCatalog, pageLoadFailed));
const AdminPlans = lazy(() => import('./pages/admin/Plans').then((m) => m.AdminPlans, pageLoadFailed));
const AdminPacks = lazy(() => import('./pages/admin/Packs').then((m) => m.AdminPacks, pageLoadFailed));
const AdminReports = lazy(() => import('./pages/admin/Reports').then((m) => m.AdminReports, pageLoadFailed));
const AdminMetrics = lazy(() => import('./pages/admin/Metrics').then((m) => m.AdminMetrics, pageLoadFailed));
const AdminAudit = lazy(() => import('./pages/admin/Audit').then((m) => m.AdminAudit, pageLoadFailed));
const AdminSupport = lazy(() => import('./pages/admin/Support').then((m) => m.AdminSupport, pageLoadFailed));
const AdminSupportTicket = lazy(() => import('./pages/admin/SupportTicket').then((m) => m.AdminSupportTicket, pageLoadFailed));
const AdminStatus = lazy(() => import('./pages/admin/Status').then((m) => m.AdminStatus, pageLoadFailed));
const AdminBeta = lazy(() => import('./pages/admin/Beta').then((m) => m.AdminBeta, pageLoadFailed));
const AdminFeedback = lazy(() => import('./pages/admin/Feedback').then((m) => m.AdminFeedback, pageLoadFailed));
const AdminCommunityReports = lazy(() =>
  import('./pages/admin/CommunityReports').then((m) => m.AdminCommunityReports, pageLoadFailed),
);

export function App() {
  return (
    <LocationProvider>
      <Layout>
        <Router>
          <Route path="/" component={Landing} />
          <Route path="/signup" component={SignUp} />
          <Route path="/signin" component={SignIn} />
          <Route path="/forgot-password" component={ForgotPassword} />
          <Route path="/reset-password" component={ResetPassword} />
          <Route path="/verify-email" component={VerifyEmail} />
          <Route path="/confirm-email" component={ConfirmEmailChange} />
          <Route path="/unsubscribe" component={Unsubscribe} />
          <Route path="/contact" component={Contact} />
          <Route path="/help" component={HelpCenter} />
          <Route path="/help/:slug" component={HelpArticle} />
          <Route path="/changelog" component={Changelog} />
          <Route path="/waitlist" component={Waitlist} />
          <Route path="/support" component={Support} />
          <Route path="/status" component={ServedElsewhere} />
          <Route path="/dashboard" component={Dashboard} />
          <Route path="/generate" component={Generate} />
          <Route path="/pricing" component={Pricing} />
          <Route path="/billing" component={Billing} />
          <Route path="/referrals" component={Referrals} />
          <Route path="/credits" component={BuyCredits} />
          <Route path="/credits/return" component={CheckoutReturn} />
          <Route path="/credits/transactions" component={Transactions} />
          <Route path="/gallery" component={Gallery} />
          <Route path="/boards" component={Boards} />
          <Route path="/images/:id" component={ImageDetail} />
          <Route path="/images/:id/edit" component={Editor} />
          <Route path="/s/:slug" component={SharedImage} />
          <Route path="/community" component={Community} />
          <Route path="/terms" component={Terms} />
          <Route path="/privacy" component={Privacy} />
          <Route path="/settings" component={Settings} />
          <Route path="/developers" component={DeveloperDocs} />
          <Route path="/developers/keys" component={ApiKeys} />
          <Route path="/developers/webhooks" component={Webhooks} />
          <Route path="/admin" component={AdminUsers} />
          <Route path="/admin/users/:id" component={AdminUserDetail} />
          <Route path="/admin/models" component={AdminModels} />
          <Route path="/admin/pricing" component={AdminPricing} />
          <Route path="/admin/catalog" component={AdminCatalog} />
          <Route path="/admin/packs" component={AdminPacks} />
          <Route path="/admin/plans" component={AdminPlans} />
          <Route path="/admin/reports" component={AdminReports} />
          <Route path="/admin/metrics" component={AdminMetrics} />
          <Route path="/admin/audit" component={AdminAudit} />
          <Route path="/admin/community-reports" component={AdminCommunityReports} />
          <Route path="/admin/support" component={AdminSupport} />
          <Route path="/admin/support/:id" component={AdminSupportTicket} />
          <Route path="/admin/status" component={AdminStatus} />
          <Route path="/admin/beta" component={AdminBeta} />
          <Route path="/admin/feedback" component={AdminFeedback} />
          <Route default component={NotFound} />
        </Router>
      </Layout>
    </LocationProvider>
  );
}

/** /status is a static page of its own (frontend/status.html), so it loads while the API is down: a link to it
 * followed inside the app loads it from the server instead. */
function ServedElsewhere() {
  useEffect(() => location.reload(), []);
  return null;
}

/** A page's code failed to download (offline, or a new release replaced it): offer a reload. */
function pageLoadFailed() {
  return PageLoadFailed;
}
