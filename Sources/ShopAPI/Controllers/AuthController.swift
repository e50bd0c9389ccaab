import Hummingbird
import Logging
import ShopAuth
import ShopContract
import ShopDomain

/// `/v1/auth`: customers register; anyone with an account signs in for a 15-minute access token and a
/// 30-day refresh token, refreshes (rotating it) and signs out (revoking it).
struct AuthController {
    let service: AccountService

    var routes: RouteCollection<ShopRequestContext> {
        RouteCollection(context: ShopRequestContext.self)
            .on(.register, use: register)
            .on(.signIn, use: signIn)
            .on(.refreshSession, use: refresh)
            .on(.signOut, use: signOut)
    }

    /// `POST /v1/auth/register`: a customer account. Staff accounts are made on the server (`shop-api user create`).
    @Sendable func register(_ request: Request, _ context: ShopRequestContext) async throws -> EditedResponse<AccountBody> {
        let body = try await request.decodeJSON(CredentialsBody.self, context: context)
        let account = try await service.registration.register(email: body.email, password: body.password)
        context.logger.info("account registered", metadata: ["account": "\(account.id)"])
        return EditedResponse(status: .created, response: AccountBody(account))
    }

    /// `POST /v1/auth/token`: an email and a password for a token pair.
    @Sendable func signIn(_ request: Request, _ context: ShopRequestContext) async throws -> EditedResponse<TokenPairBody> {
        let body = try await request.decodeJSON(CredentialsBody.self, context: context)
        do {
            return Self.pair(
                try await service.signIn(email: body.email, password: body.password, address: context.clientAddress, logger: context.logger))
        } catch is AccountService.Refused {
            throw HTTPProblem.invalidCredentials("the email or the password is wrong")
        }
    }

    /// `POST /v1/auth/refresh`: a refresh token for the next pair; the one presented stops working.
    @Sendable func refresh(_ request: Request, _ context: ShopRequestContext) async throws -> EditedResponse<TokenPairBody> {
        let body = try await request.decodeJSON(RefreshTokenBody.self, context: context)
        do {
            return Self.pair(try await service.refresh(body.refreshToken, logger: context.logger))
        } catch is AccountService.Refused {
            throw HTTPProblem.invalidCredentials("the refresh token is not valid; sign in again")
        }
    }

    /// `POST /v1/auth/logout`: revokes the refresh token and every token rotated from the same sign-in.
    @Sendable func signOut(_ request: Request, _ context: ShopRequestContext) async throws -> HTTPResponse.Status {
        let body = try await request.decodeJSON(RefreshTokenBody.self, context: context)
        try await service.signOut(body.refreshToken)
        return .noContent
    }

    /// Tokens are never cached on the way (RFC 6749 §5.1).
    private static func pair(_ session: AccountService.Session) -> EditedResponse<TokenPairBody> {
        EditedResponse(
            headers: [.cacheControl: "no-store"],
            response: TokenPairBody(
                accessToken: session.accessToken, expiresIn: Int(TokenAuthority.defaultLifetime), refreshToken: session.refreshToken.text,
                refreshExpiresIn: RefreshToken.lifetimeSeconds))
    }
}
